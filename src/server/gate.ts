/**
 * The door of the gateway: who is asking (the Bearer token's principal, or everyone an admin
 * when authentication is off), how fast they may ask (a request budget per token, and a smaller
 * one per address for requests without one; rate-limiter-flexible's counters, in memory or, on
 * PostgreSQL, in the database for every gateway together), and which WebSocket connections must end when
 * their token stops working (revoked through this server at once; revoked with `baton token
 * revoke` or expired: within BATON_AUTH_RECHECK_MS).
 */
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Principal, Tokens } from "../auth/tokens.js";
import type { RequestRate } from "../config.js";
import type { Clock, TimerHandle } from "../coordinator/clock.js";
import { actorFrom } from "../graphql/context.js";

export interface GateOptions {
  tokens: Tokens;
  /** False: no authentication (BATON_AUTH=off on loopback); every caller acts as an admin. */
  auth: boolean;
  /** Requests per token and window; null: unlimited. */
  rate: RequestRate | null;
  /** Requests without a token per address and window (only introspection is served to them); null: unlimited. */
  anonymousRate?: RequestRate | null;
  clock: Clock;
  /** How often open connections' tokens are checked again. */
  recheckMs: number;
  /**
   * Where budgets are counted: `(points, durationS, prefix)` → a limiter. Default in this
   * process's memory; on PostgreSQL in the database, shared by every gateway on it
   * (src/store/postgres-budgets.ts).
   */
  budgets?: (points: number, durationS: number, prefix: string) => RateLimiterAbstract;
}

/** A WebSocket connection authenticated by a token, and how to end it. */
interface Session {
  tokenId: string;
  end: (reason: string) => void;
}

/** What a caller over its request budget is told. */
export const rateLimitMessage = (retryAfterMs: number, anonymous = false): string =>
  anonymous
    ? `too many requests without a token from this address (BATON_ANONYMOUS_RATE_LIMIT): retry in ${retryAfterMs} ms`
    : `too many requests for this token (BATON_TOKEN_RATE_LIMIT): retry in ${retryAfterMs} ms`;

export class Gate {
  private readonly limiter: RateLimiterAbstract | null;
  private readonly anonymousLimiter: RateLimiterAbstract | null;
  private readonly sessions = new Set<Session>();
  private recheck: TimerHandle | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: GateOptions) {
    const budget = options.budgets ?? ((points, duration, keyPrefix) => new RateLimiterMemory({ points, duration, keyPrefix }));
    const limiter = (rate: RequestRate | null | undefined, prefix: string) => (rate ? budget(rate.requests, rate.windowMs / 1000, prefix) : null);
    this.limiter = limiter(options.rate, "token");
    this.anonymousLimiter = limiter(options.anonymousRate, "anonymous");
    this.unsubscribe = options.tokens.onRevoked((id) => this.endSessions((s) => s.tokenId === id, "token revoked"));
  }

  get authEnabled(): boolean {
    return this.options.auth;
  }

  /**
   * The principal of a request: from its `authorization` (header or connection param); null when
   * none was sent; UNAUTHENTICATED (rejected) for a bad one. Without authentication: an admin
   * named by `actor` (x-baton-actor), anonymous by default.
   */
  async principal(authorization: unknown, actor: unknown): Promise<Principal | null> {
    if (!this.options.auth) return { name: actorFrom(actor), role: "admin", tokenId: null };
    return this.options.tokens.fromHeader(authorization);
  }

  /**
   * Takes one request from the caller's budget: null when it may go on, else the milliseconds
   * until it may ask again. `key` identifies the caller (its token, else its address).
   */
  async admit(principal: Principal | null, address: string | undefined): Promise<number | null> {
    if (!this.options.auth) return null; // without authentication there is no token to hold to a budget
    const limiter = principal ? this.limiter : this.anonymousLimiter;
    if (!limiter) return null;
    const key = principal?.tokenId ?? `addr:${address ?? "unknown"}`;
    try {
      await limiter.consume(key);
      return null;
    } catch (e) {
      if (e instanceof RateLimiterRes) return Math.max(1, e.msBeforeNext);
      throw e;
    }
  }

  /** Follows a connection made with a token: `end` is called once the token is revoked or expires. Returns the release. */
  track(principal: Principal | null, end: (reason: string) => void): () => void {
    if (!principal?.tokenId) return () => undefined;
    const session: Session = { tokenId: principal.tokenId, end };
    this.sessions.add(session);
    this.arm();
    return () => this.sessions.delete(session);
  }

  /** Stops rechecking; sessions are left to their sockets' own closing. */
  close(): void {
    this.recheck?.cancel();
    this.recheck = null;
    this.unsubscribe();
    this.sessions.clear();
  }

  private arm(): void {
    if (this.recheck || this.sessions.size === 0) return;
    this.recheck = this.options.clock.schedule(this.options.recheckMs, () => void this.recheckSessions());
  }

  /** Ends the sessions whose token no longer works (each token read once), then arms the next check. */
  private async recheckSessions(): Promise<void> {
    this.recheck = null;
    const invalid = new Set<string>();
    for (const id of new Set([...this.sessions].map((s) => s.tokenId))) {
      if (!(await this.options.tokens.stillValid(id))) invalid.add(id);
    }
    this.endSessions((s) => invalid.has(s.tokenId), "token revoked or expired");
    this.arm();
  }

  private endSessions(which: (s: Session) => boolean, reason: string): void {
    for (const s of [...this.sessions]) {
      if (!which(s)) continue;
      this.sessions.delete(s);
      s.end(reason);
    }
  }
}
