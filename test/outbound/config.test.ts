/** BATON_OUTBOUND_ALLOW and BATON_SECRETS_FILE as loadConfig reads them. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function secretsFile(text: string, mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), "baton-sec-"));
  dirs.push(dir);
  const file = join(dir, "secrets");
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

describe("BATON_OUTBOUND_ALLOW", () => {
  it("defaults to no exception and reads the entries", () => {
    expect(loadConfig({}).outboundAllow).toEqual([]);
    expect(loadConfig({ BATON_OUTBOUND_ALLOW: "127.0.0.1:8080,*.internal.example" }).outboundAllow).toEqual([
      { kind: "host", host: "127.0.0.1", port: 8080 },
      { kind: "suffix", suffix: "internal.example", port: null },
    ]);
  });

  it("refuses a bad entry, naming it", () => {
    expect(() => loadConfig({ BATON_OUTBOUND_ALLOW: "127.0.0.1:99999" })).toThrow(ConfigError);
    expect(() => loadConfig({ BATON_OUTBOUND_ALLOW: "10.0.0.0/40" })).toThrow(/BATON_OUTBOUND_ALLOW entry "10.0.0.0\/40"/);
  });
});

describe("BATON_SECRETS_FILE", () => {
  it("has no secrets by default; reads a JSON file or NAME=VALUE lines of mode 600", () => {
    expect(loadConfig({}).secrets.names).toEqual([]);
    const json = loadConfig({ BATON_SECRETS_FILE: secretsFile('{"openai":"sk-1","github":"ghp_2"}', 0o600) });
    expect(json.secrets.names).toEqual(["github", "openai"]);
    expect(json.secrets.get("openai")).toBe("sk-1");
    const lines = loadConfig({ BATON_SECRETS_FILE: secretsFile("# keys\nopenai=sk-1\n", 0o400) });
    expect(lines.secrets.get("openai")).toBe("sk-1");
    // a Config printed or logged shows the names only
    expect(JSON.stringify(json)).not.toContain("sk-1");
    expect(inspect(json, { depth: 5 })).not.toContain("sk-1");
  });

  it("refuses a file others may read or its group may write; warns when its group may read", () => {
    expect(() => loadConfig({ BATON_SECRETS_FILE: secretsFile("a=sk-1", 0o644) })).toThrow(/chmod 600/);
    expect(() => loadConfig({ BATON_SECRETS_FILE: secretsFile("a=sk-1", 0o620) })).toThrow(ConfigError);
    const grouped = loadConfig({ BATON_SECRETS_FILE: secretsFile("a=sk-1", 0o640) });
    expect(grouped.secrets.names).toEqual(["a"]);
    expect(grouped.notices).toContainEqual(expect.stringContaining("may be read by its group"));
  });

  it("refuses a missing or malformed file without quoting a value", () => {
    expect(() => loadConfig({ BATON_SECRETS_FILE: "/nonexistent/baton-secrets" })).toThrow(/cannot be read: ENOENT/);
    let e: unknown;
    try {
      loadConfig({ BATON_SECRETS_FILE: secretsFile('{"a": "sk-1", "bad name": "sk-2"', 0o600) });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).not.toContain("sk-");
  });
});
