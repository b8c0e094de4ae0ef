/**
 * Named secrets for the headers of outgoing requests (builtin.http, builtin.prefetch), so that
 * API keys live in the gateway's configuration (BATON_SECRETS_FILE, read at start by
 * src/config.ts) instead of in URLs and configs that every viewer of a plan reads. A step names
 * a secret in a header value as `${secret:NAME}` (checked at plan creation: src/domain/builtins.ts);
 * the value is put in only as the request is sent, and taken out of whatever comes back.
 */
import { inspect } from "node:util";
import { SECRET_REF } from "../domain/builtins.js";

export class Secrets {
  private readonly values: ReadonlyMap<string, string>;

  constructor(values: ReadonlyMap<string, string> | Record<string, string> = new Map()) {
    this.values = values instanceof Map ? new Map(values) : new Map(Object.entries(values));
  }

  get names(): string[] {
    return [...this.values.keys()].sort();
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** Never the values: a Config logged or printed shows the names only. */
  toJSON(): { names: string[] } {
    return { names: this.names };
  }

  [inspect.custom](): string {
    return `Secrets(${this.names.join(", ")})`;
  }
}

/** A step names a secret the gateway does not have. Its message names the secret, never a value. */
export class UnknownSecretError extends Error {
  constructor(readonly secret: string) {
    super(`unknown secret "${secret}": the gateway's BATON_SECRETS_FILE has no such name`);
    this.name = "UnknownSecretError";
  }
}

/** Headers with their secrets filled in, and the secret values used (to redact them from replies). */
export interface ResolvedHeaders {
  headers: Record<string, string>;
  /** The names of the headers that carry a secret (dropped on a redirect to another origin). */
  secretHeaders: string[];
  values: string[];
}

/**
 * `config.headers` (checked at creation: an object of header name → string) with each
 * `${secret:NAME}` replaced by the secret's value. Throws UnknownSecretError.
 */
export function resolveHeaders(config: unknown, secrets: Secrets): ResolvedHeaders {
  const out: ResolvedHeaders = { headers: {}, secretHeaders: [], values: [] };
  if (config === null || typeof config !== "object" || Array.isArray(config)) return out;
  for (const [name, template] of Object.entries(config as Record<string, unknown>)) {
    if (typeof template !== "string") continue;
    let usesSecret = false;
    const value = template.replace(new RegExp(SECRET_REF.source, "g"), (_m, secret: string) => {
      const v = secrets.get(secret);
      if (v === undefined) throw new UnknownSecretError(secret);
      usesSecret = true;
      out.values.push(v);
      return v;
    });
    out.headers[name.toLowerCase()] = value;
    if (usesSecret) out.secretHeaders.push(name.toLowerCase());
  }
  return out;
}

/** `text` with every occurrence of the secret values replaced by `[redacted]`. */
export function redact(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) {
    // as written, and as it appears inside a JSON string
    for (const form of new Set([v, JSON.stringify(v).slice(1, -1)])) if (form.length > 0) out = out.split(form).join("[redacted]");
  }
  return out;
}
