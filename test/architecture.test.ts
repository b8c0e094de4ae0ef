/**
 * The import rules of ARCHITECTURE.md ("Import direction"), as dependency-cruiser rules
 * (.dependency-cruiser.cjs), checked over src/. A failure lists every violation: the rule, the
 * importing module and the module imported (for a cycle, the whole cycle).
 *
 * The second test runs the same rules over a small tree that breaks each of them once, so that a
 * rule whose pattern matches nothing (a typo, a moved folder) cannot pass unnoticed.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cruise, type ICruiseOptions, type ICruiseResult } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../src/store/database.js";

const root = packageRoot();
const CONFIG = join(root, ".dependency-cruiser.cjs");

/** Cruises `dirs` (relative to `baseDir`) with the project's rules and the tsconfig given. */
async function cruiseWithRules(baseDir: string, dirs: string[], tsConfigFile: string): Promise<ICruiseResult> {
  const options: ICruiseOptions = await extractDepcruiseOptions(CONFIG);
  const run: ICruiseOptions = { ...options, baseDir, tsConfig: { fileName: tsConfigFile } };
  const { output } = await cruise(dirs, run, {}, { tsConfig: extractTSConfig(tsConfigFile) });
  if (typeof output === "string") throw new Error(`dependency-cruiser reported text, not a result: ${output}`);
  return output;
}

/** One line per violation: `rule: from → to`, a cycle as its path. */
const violationLines = (r: ICruiseResult): string[] =>
  r.summary.violations.map((v) => {
    const cycle = v.cycle?.length ? ` (cycle: ${[v.from, ...v.cycle.map((c) => c.name)].join(" → ")})` : "";
    return `${v.rule.name}: ${v.from} → ${v.to}${cycle}`;
  });

describe("architecture", () => {
  it("src/ keeps the import rules of ARCHITECTURE.md", async () => {
    const result = await cruiseWithRules(root, ["src"], join(root, "tsconfig.json"));
    // The cruise saw the code: every module of src/, `.js` specifiers resolved to `.ts` files.
    expect(result.summary.totalCruised).toBeGreaterThan(150);
    const decide = result.modules.find((m) => m.source === "src/engine/decide.ts");
    expect(decide?.dependencies.map((d) => d.resolved)).toContain("src/engine/draft.ts");
    expect(violationLines(result)).toEqual([]);
  }, 60_000);

  describe("each rule catches what it forbids", () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-architecture-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const file = (path: string, text: string): void => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };

    it("flags a violation of every rule", async () => {
      symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "junction"); // a junction needs no privilege on Windows
      file("tsconfig.json", JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true }, include: ["src", "test"] }));
      file("src/domain/model.ts", "export const x = 1;\n");
      file("src/domain/bad.ts", 'import { e } from "../engine/ok.js";\nexport const d = e;\n');
      file("src/engine/ok.ts", 'import { x } from "../domain/model.js";\nexport const e = x;\n');
      file("src/engine/bad.ts", 'import { r } from "../store/repo.js";\nexport const b = r;\n');
      file("src/store/repo.ts", "export const r = 1;\n");
      file("src/store/bad.ts", 'import type { E } from "../engine/types.js";\nexport const s: E = 1;\n');
      file("src/engine/types.ts", "export type E = number;\n");
      file("src/merge/bad.ts", 'import { e } from "../engine/ok.js";\nexport const m = e;\n');
      file("src/coordinator/requests.ts", "export const check = 1;\n");
      file("src/templates/bad.ts", 'import { check } from "../coordinator/requests.js";\nexport const t = check;\n');
      file("src/webhooks/bad.ts", 'import type Database from "better-sqlite3";\nexport type Db = Database.Database;\n');
      file("src/a.ts", 'import { b } from "./b.js";\nexport const a = () => b;\n');
      file("src/b.ts", 'import { a } from "./a.js";\nexport const b = () => a;\n');
      file("src/uses-test.ts", 'import { h } from "../test/helper.js";\nexport const u = h;\n');
      file("test/helper.ts", "export const h = 1;\n");
      file("src/missing.ts", 'import { nothing } from "./not-there.js";\nexport const n = nothing;\n');

      const result = await cruiseWithRules(dir, ["src"], join(dir, "tsconfig.json"));
      const lines = violationLines(result);
      const flagged = (rule: string, from: string): boolean => lines.some((l) => l.startsWith(`${rule}: ${from} →`));
      expect.soft(flagged("domain-imports-only-domain", "src/domain/bad.ts"), lines.join("\n")).toBe(true);
      expect.soft(flagged("engine-imports-only-domain", "src/engine/bad.ts"), lines.join("\n")).toBe(true);
      expect.soft(flagged("merge-imports-only-domain", "src/merge/bad.ts"), lines.join("\n")).toBe(true);
      expect.soft(flagged("store-not-upward", "src/store/bad.ts"), lines.join("\n")).toBe(true); // a type-only import counts
      expect.soft(flagged("coordinator-callers", "src/templates/bad.ts"), lines.join("\n")).toBe(true);
      expect.soft(flagged("sql-only-in-store", "src/webhooks/bad.ts"), lines.join("\n")).toBe(true);
      expect.soft(lines.some((l) => l.startsWith("no-circular: src/a.ts → src/b.ts")), lines.join("\n")).toBe(true);
      expect.soft(flagged("src-not-to-tests", "src/uses-test.ts"), lines.join("\n")).toBe(true);
      expect.soft(flagged("resolvable", "src/missing.ts"), lines.join("\n")).toBe(true);
      // and nothing else: the allowed imports (engine → domain, …) pass
      expect(lines.filter((l) => !/\/bad\.ts →|^no-circular|uses-test|missing/.test(l)), lines.join("\n")).toEqual([]);
    }, 60_000);
  });
});
