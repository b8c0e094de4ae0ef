/**
 * `baton token create|list|revoke`: API tokens managed on the database named by BATON_DB,
 * also while a server runs on it (a revoked token stops working at once there; its open
 * WebSockets close within BATON_AUTH_RECHECK_MS).
 */
import { Tokens } from "../auth/tokens.js";
import { loadConfig } from "../config.js";
import { isBatonError } from "../domain/errors.js";
import { openConfiguredStore } from "../store/open.js";
import type { TokenRecord } from "../store/tokens.js";
import { table } from "./render.js";

export const TOKEN_USAGE = `usage: baton token create --name <name> --role <viewer|operator|agent|admin|metrics> [--expires-in <N>(m|h|d)] [--roles <role>,<role>…]
       baton token list
       baton token revoke <token id>`;

/** A command line the command cannot run: one line on stderr, exit code 2. */
export class UsageError extends Error {}

const DURATION_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Options as `--key value` pairs; anything else is a positional argument. */
function parseArgs(args: string[]): { options: Map<string, string>; positional: string[] } {
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [key, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`--${key} needs a value\n${TOKEN_USAGE}`);
    options.set(key, value);
  }
  return { options, positional };
}

const iso = (ms: number | null): string => (ms === null ? "-" : new Date(ms).toISOString());

const tokenTable = (tokens: TokenRecord[]): string =>
  table([
    ["ID", "NAME", "ROLE", "ROLES", "PREFIX", "CREATED", "EXPIRES", "REVOKED"],
    ...tokens.map((t) => [t.id, t.name, t.role, t.roles ? t.roles.join(",") : "-", t.prefix, iso(t.createdAt), iso(t.expiresAt), iso(t.revokedAt)]),
  ]);

export async function tokenCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const { options, positional } = parseArgs(rest);
  const known = { create: ["name", "role", "expires-in", "roles"], list: [], revoke: [] } as Record<string, string[]>;
  if (sub === undefined || !(sub in known)) throw new UsageError(TOKEN_USAGE);
  const unknown = [...options.keys()].find((k) => !known[sub]!.includes(k));
  if (unknown) throw new UsageError(`unknown option --${unknown}\n${TOKEN_USAGE}`);
  const store = await openConfiguredStore(loadConfig());
  const tokens = new Tokens(store);
  try {
    if (sub === "create") {
      if (positional.length > 0 || !options.has("name") || !options.has("role")) throw new UsageError(TOKEN_USAGE);
      const expiresIn = options.get("expires-in");
      const m = expiresIn === undefined ? null : /^(\d+)(m|h|d)$/.exec(expiresIn);
      if (expiresIn !== undefined && (!m || Number(m[1]) < 1)) throw new UsageError(`--expires-in must be a whole number ≥ 1 then m, h or d (e.g. 30d), got "${expiresIn}"`);
      // --roles coder,reviewer: the agent token's role limit (empty items are dropped; none left is refused by the check).
      const roles = options.has("roles") ? options.get("roles")!.split(",").map((r) => r.trim()).filter((r) => r !== "") : null;
      const { token, record } = await tokens.create(
        { name: options.get("name")!, role: options.get("role")!, expiresAt: m ? Date.now() + Number(m[1]) * DURATION_MS[m[2]!]! : null, roles },
        "cli",
      );
      process.stdout.write(`${token}\n`);
      const limit = record.roles ? `, roles ${record.roles.join(",")}` : "";
      process.stderr.write(`token ${record.id} (${record.name}, ${record.role}${limit}${record.expiresAt ? `, expires ${iso(record.expiresAt)}` : ""}): keep it now, it cannot be shown again\n`);
    } else if (sub === "list") {
      if (positional.length > 0) throw new UsageError(TOKEN_USAGE);
      process.stdout.write(`${tokenTable(await tokens.list())}\n`);
    } else {
      if (positional.length !== 1) throw new UsageError(`revoke needs one token id\n${TOKEN_USAGE}`);
      const t = await tokens.revoke(positional[0]!);
      process.stdout.write(`token ${t.id} (${t.name}) revoked at ${iso(t.revokedAt)}\n`);
    }
  } catch (e) {
    // Bad input and unknown ids are the user's: said in one line, like a usage error.
    if (isBatonError(e)) throw new UsageError(e.message);
    throw e;
  } finally {
    void store.close();
  }
}
