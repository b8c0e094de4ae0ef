/**
 * The outbound settings' own syntax: BATON_OUTBOUND_ALLOW's entries and BATON_SECRETS_FILE's
 * file. src/config.ts reads the variables and calls these.
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import ipaddr from "ipaddr.js";
import { ConfigError } from "../config-error.js";
import { SECRET_NAME } from "../domain/builtins.js";
import { normalizeHost, type OutboundAllowEntry } from "./policy.js";
import { Secrets } from "./secrets.js";

/**
 * BATON_OUTBOUND_ALLOW: comma-separated exceptions to the outbound policy (src/outbound/policy.ts),
 * each one of
 * - `host` or `host:port`: a host name or IP address as the URL names it (IPv6 in brackets
 *   when a port follows: `[fd00::1]:8080`), on any port or on that port only;
 * - `*.suffix` or `*.suffix:port`: every subdomain of suffix (not suffix itself);
 * - `address/bits`: a CIDR range (`10.0.0.0/8`, `fd00::/8`) the resolved address may be in.
 * E.g. `127.0.0.1:8080,*.internal.example,10.20.0.0/16`.
 */
export function parseOutboundAllow(raw: string | undefined): OutboundAllowEntry[] {
  if (raw === undefined || raw.trim() === "") return [];
  const entries: OutboundAllowEntry[] = [];
  for (const entry of raw.split(",").map((e) => e.trim())) {
    const bad = (why: string): ConfigError =>
      new ConfigError(`BATON_OUTBOUND_ALLOW entry "${entry}": ${why} (expected host, host:port, *.suffix[:port] or a CIDR such as 10.0.0.0/8, comma-separated)`);
    if (entry === "") throw bad("empty");
    if (entry.includes("/")) {
      let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
      try {
        range = ipaddr.parseCIDR(entry);
      } catch {
        throw bad("not a CIDR range");
      }
      entries.push({ kind: "cidr", range, text: entry });
      continue;
    }
    // host[:port]; an IPv6 address is bare (no port) or in brackets.
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    const bareV6 = !m && ipaddr.IPv6.isValid(entry);
    const hostPart = bareV6 ? entry : m?.[1];
    const port = bareV6 || m?.[2] === undefined ? null : Number(m[2]);
    if (hostPart === undefined) throw bad("not host[:port]");
    if (port !== null && (port < 1 || port > 65535)) throw bad(`port ${port} is not from 1 to 65535`);
    if (hostPart.startsWith("*.")) {
      const suffix = hostPart.slice(2).replace(/\.$/, "").toLowerCase();
      if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(suffix)) throw bad("not *.domain");
      entries.push({ kind: "suffix", suffix, port });
      continue;
    }
    const bracketed = hostPart.startsWith("[");
    const inner = hostPart.replace(/^\[|\]$/g, "");
    if (bracketed && !ipaddr.IPv6.isValid(inner)) throw bad("not an IPv6 address in brackets");
    if (!ipaddr.isValid(inner) && !/^[a-z0-9-]+(\.[a-z0-9-]+)*\.?$/i.test(inner)) throw bad("not a host name or IP address");
    // Names as the URL parser writes them: 0x7f000001 and 127.1 are 127.0.0.1.
    let host: string;
    try {
      host = normalizeHost(new URL(`http://${bracketed || ipaddr.IPv6.isValid(inner) ? `[${inner}]` : inner}/`).hostname);
    } catch {
      throw bad("not a host name or IP address");
    }
    entries.push({ kind: "host", host, port });
  }
  return entries;
}

/**
 * BATON_SECRETS_FILE: a file of named secrets, read once at start. Either a JSON object of
 * name → string (`{"openai": "sk-…"}`), or lines of `NAME=VALUE` (blank lines and lines starting
 * with # ignored; the value is everything after the first =, untrimmed but for the line end).
 * Names are 1-100 letters, digits, '_', '.' or '-'; values may not hold line breaks. A file that
 * other users may read or anyone but its owner may write is refused (chmod 600 it); one its group
 * may read is accepted with a notice.
 */
export function loadSecretsFile(file: string | undefined, notices: string[] = []): Secrets {
  if (file === undefined || file.trim() === "") return new Secrets();
  const path = resolve(file);
  let text: string;
  let mode: number;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`BATON_SECRETS_FILE ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (process.platform !== "win32") {
    if (mode & 0o026) throw new ConfigError(`BATON_SECRETS_FILE ${path} may be read by other users or written by its group (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
    if (mode & 0o040) notices.push(`BATON_SECRETS_FILE ${path} may be read by its group (mode ${(mode & 0o777).toString(8)}): chmod 600 it unless that is meant`);
  }
  return new Secrets(parseSecrets(text, path));
}

/** The secrets of BATON_SECRETS_FILE's text (see loadSecretsFile). Errors name the line or key, never a value. */
export function parseSecrets(text: string, path = "BATON_SECRETS_FILE"): Map<string, string> {
  const secrets = new Map<string, string>();
  const add = (name: string, value: unknown, where: string): void => {
    if (!SECRET_NAME.test(name)) throw new ConfigError(`${path}: ${where}: the name "${name.slice(0, 100)}" is not 1-100 letters, digits, '_', '.' or '-'`);
    if (typeof value !== "string" || value === "" || /[\r\n\0]/.test(value)) throw new ConfigError(`${path}: ${where}: the value of "${name}" must be a non-empty string without line breaks`);
    if (secrets.has(name)) throw new ConfigError(`${path}: ${where}: "${name}" is defined twice`);
    secrets.set(name, value);
  };
  if (text.trimStart().startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigError(`${path}: not valid JSON`); // the parser's message could quote a value
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new ConfigError(`${path}: must be a JSON object of name → string`);
    for (const [name, value] of Object.entries(parsed)) add(name, value, `key "${name.slice(0, 100)}"`);
    return secrets;
  }
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const eq = line.indexOf("=");
    if (eq < 0) throw new ConfigError(`${path}: line ${i + 1}: not NAME=VALUE`);
    add(line.slice(0, eq).trim(), line.slice(eq + 1), `line ${i + 1}`);
  });
  return secrets;
}
