/**
 * API tokens and the principals they stand for. A token is `baton_` and 256 random bits
 * (base64url); it is shown once, at creation, and stored only as its SHA-256. Each has a name
 * (the principal, recorded as the actor of everything done with it), a role and an optional
 * expiry. Used by the server (every request), the admin mutations and `baton token …`.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { isReservedRole, roleListProblems } from "../domain/builtins.js";
import { BatonError, badInput, notFound, type Problem } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { Store } from "../store/store.js";
import type { TokenRecord } from "../store/tokens.js";

/** What a token may do: viewer, operator, agent and admin use the API, each reading as viewer does; metrics only reads /metrics (see docs/SECURITY.md, "Who may do what"). */
export const TOKEN_ROLES = ["viewer", "operator", "agent", "admin", "metrics"] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/** Who is asking: the token's name and role (tokenId null when authentication is off). */
export interface Principal {
  name: string;
  role: TokenRole;
  tokenId: string | null;
  /**
   * An agent token's role limit: the only roles its agents may register (and the only ones its
   * agents claim and read context for). Null or absent: any role but the reserved builtin.* ones.
   */
  roles?: readonly string[] | null;
}

/** A new token's settings. */
export interface NewToken {
  name: string;
  role: string;
  /** Epoch ms after which the token no longer works; null: never expires. */
  expiresAt?: number | null;
  /** Agent tokens only: the roles its agents may register; null or absent: any role but builtin.*. */
  roles?: readonly string[] | null;
}

const TOKEN_PREFIX = "baton_";
/** Characters of the token kept to recognise it in a list: `baton_` and four more. */
const SHOWN_CHARS = TOKEN_PREFIX.length + 4;
const MAX_NAME = 200;

export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

export const isTokenRole = (role: string): role is TokenRole => (TOKEN_ROLES as readonly string[]).includes(role);

/** Why a presented token does not authenticate, or null when it does. */
function refusal(t: TokenRecord | null, now: number): string | null {
  if (!t) return "unknown token";
  if (t.revokedAt !== null) return "token revoked";
  if (t.expiresAt !== null && t.expiresAt <= now) return "token expired";
  return null;
}

const unauthenticated = (message: string): BatonError => new BatonError("UNAUTHENTICATED", message);

export class Tokens {
  private readonly revokedListeners = new Set<(id: string) => void>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a token; the secret is in the result only. Bad settings: BAD_USER_INPUT, every problem at once. */
  async create(req: NewToken, createdBy: string): Promise<{ token: string; record: TokenRecord }> {
    const made = this.mint(req, createdBy);
    await this.store.transact((s) => s.tokens.insert(made.record));
    return made;
  }

  /** A checked new token, not yet stored. */
  private mint(req: NewToken, createdBy: string): { token: string; record: TokenRecord } {
    const problems: Problem[] = [];
    const name = req.name.trim();
    if (name === "" || name.length > MAX_NAME) problems.push({ path: "name", message: `must be 1 to ${MAX_NAME} characters` });
    if (!isTokenRole(req.role)) problems.push({ path: "role", message: `must be one of ${TOKEN_ROLES.join(", ")}, got "${req.role}"` });
    const expiresAt = req.expiresAt ?? null;
    if (expiresAt !== null && !(Number.isFinite(expiresAt) && expiresAt > this.now())) problems.push({ path: "expiresAt", message: "must be in the future" });
    const roles = req.roles == null ? null : [...new Set(req.roles)];
    if (roles !== null) {
      if (req.role !== "agent") problems.push({ path: "roles", message: "only an agent token is limited to roles" });
      problems.push(...roleListProblems(roles, "roles"));
      roles.forEach((r, i) => {
        if (isReservedRole(r)) problems.push({ path: `roles[${i}]`, message: `builtin.* roles are reserved for the gateway's own agents, got "${r}"` });
      });
    }
    if (problems.length > 0) throw badInput(problems);
    const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    const record: TokenRecord = {
      id: newId("token"),
      name,
      role: req.role,
      hash: hashToken(token),
      prefix: token.slice(0, SHOWN_CHARS),
      createdAt: this.now(),
      createdBy,
      expiresAt,
      revokedAt: null,
      roles,
    };
    return { token, record };
  }

  list(): Promise<TokenRecord[]> {
    return this.store.queries.tokens.list();
  }

  /** Revokes a token at once (a second revoke changes nothing); open subscriptions made with it end. */
  async revoke(id: string): Promise<TokenRecord> {
    const { revoked, record } = await this.store.transact(async (s) => {
      if (!(await s.tokens.get(id))) throw notFound("token", id);
      const revoked = await s.tokens.revoke(id, this.now());
      return { revoked, record: (await s.tokens.get(id))! };
    });
    if (revoked) for (const listener of this.revokedListeners) listener(id);
    return record;
  }

  /** Calls `listener` with the id of every token revoked through this instance. */
  onRevoked(listener: (id: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  /** The principal of a presented token; UNAUTHENTICATED when it is unknown, revoked or expired. */
  async verify(token: string): Promise<Principal> {
    const t = await this.store.queries.tokens.byHash(hashToken(token));
    const why = refusal(t, this.now());
    if (why !== null) throw unauthenticated(why);
    return { name: t!.name, role: t!.role as TokenRole, tokenId: t!.id, roles: t!.roles };
  }

  /** Whether the token still authenticates (not revoked or expired since it was presented). */
  async stillValid(id: string): Promise<boolean> {
    return refusal(await this.store.queries.tokens.get(id), this.now()) === null;
  }

  /**
   * The principal of an `Authorization` header value (`Bearer <token>`); null when there is
   * none. A malformed header, or a token that does not authenticate: UNAUTHENTICATED.
   */
  async fromHeader(value: unknown): Promise<Principal | null> {
    if (value === undefined || value === null || value === "") return null;
    const m = typeof value === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
    if (!m) throw unauthenticated('the authorization must be "Bearer <token>"');
    return this.verify(m[1]!);
  }

  /**
   * On a database without any token (a first start), creates an admin token and writes it to
   * `file` with mode 0600. Returns the file written, or null when tokens exist already. Gateways
   * starting together on one database make one token: the check and the insert hold a lock.
   */
  async ensureAdminToken(file: string): Promise<string | null> {
    return this.store.transact(async (s) => {
      await s.tokens.lockFirstAdmin();
      if ((await s.tokens.count()) > 0) return null;
      const { token, record } = this.mint({ name: "admin", role: "admin" }, "system");
      // The file first: a token stored but never written would lock everyone out for good.
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
      chmodSync(file, 0o600); // the mode applies only when the file is created: an old file is tightened too
      await s.tokens.insert(record);
      return file;
    });
  }

  /**
   * The operator's own admin token (BATON_ADMIN_TOKEN): its hash is stored once, so that every
   * gateway on the database accepts it. True when it was stored now. A token of that value
   * revoked since is left revoked.
   */
  async ensureGivenAdminToken(token: string): Promise<boolean> {
    const hash = hashToken(token);
    return this.store.transact(async (s) => {
      await s.tokens.lockFirstAdmin();
      if (await s.tokens.byHash(hash)) return false;
      const record: TokenRecord = {
        ...this.mint({ name: "admin (BATON_ADMIN_TOKEN)", role: "admin" }, "system").record,
        hash,
        prefix: token.slice(0, SHOWN_CHARS),
      };
      await s.tokens.insert(record);
      return true;
    });
  }
}
