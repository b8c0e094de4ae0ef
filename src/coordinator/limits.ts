/**
 * Queue policies per role (src/domain/limits.ts): the token bucket math, pure and driven by the
 * coordinator's clock, and the gate a claim passes its roles through. A role without limits
 * costs a claim one in-memory lookup; a limited one a count of its running leases (with a cap)
 * and a bucket write per token taken. Parked claims of a role are woken when its next token is
 * due; the end of a lease already wakes its role (./decisions.ts).
 */
import { badInput } from "../domain/errors.js";
import { roleLimitProblems, type RoleLimit, type RoleLimitSpec } from "../domain/limits.js";
import type { Repositories, Store } from "../store/store.js";
import type { Clock, TimerHandle } from "./clock.js";

/** Float slack: a bucket refilled for exactly one token's time holds one token. */
const EPSILON = 1e-9;

const rateOf = (l: RoleLimitSpec): { claims: number; intervalMs: number } | null =>
  l.claims === null || l.intervalMs === null ? null : { claims: l.claims, intervalMs: l.intervalMs };

/** The tokens in the bucket at `now` (refilled continuously at claims per intervalMs, up to claims); null without a rate. */
export function tokensAt(l: RoleLimit, now: number): number | null {
  const rate = rateOf(l);
  if (!rate || l.tokens === null || l.refilledAt === null) return null;
  return Math.min(rate.claims, l.tokens + (Math.max(0, now - l.refilledAt) * rate.claims) / rate.intervalMs);
}

/** Milliseconds until the bucket holds a whole token: 0 when it does, or without a rate. */
export function msUntilToken(l: RoleLimit, now: number): number {
  const rate = rateOf(l);
  const tokens = tokensAt(l, now);
  if (!rate || tokens === null || tokens >= 1 - EPSILON) return 0;
  return Math.ceil(((1 - tokens) * rate.intervalMs) / rate.claims);
}

/** How many more steps of the role may be handed out now, given its leases running. */
export function allowance(l: RoleLimit, running: number, now: number): number {
  const tokens = tokensAt(l, now);
  const byRate = tokens === null ? Infinity : Math.floor(tokens + EPSILON);
  const byCap = l.maxConcurrent === null ? Infinity : Math.max(0, l.maxConcurrent - running);
  return Math.min(byRate, byCap);
}

/** The limit after one token was taken at `now`. */
export const takeToken = (l: RoleLimit, now: number): RoleLimit => ({ ...l, tokens: Math.max(0, tokensAt(l, now)! - 1), refilledAt: now });

/**
 * The limit after `spec` is applied at `now`: a new rate starts with a full bucket; an existing
 * bucket carries over (refilled to now, capped at the new capacity), so neither a restart nor a
 * change of limits hands out a fresh burst.
 */
export function configured(prev: RoleLimit | null, spec: RoleLimitSpec, now: number, actor: string): RoleLimit {
  const { role, claims, intervalMs, maxConcurrent } = spec;
  const rate = rateOf(spec);
  const before = prev ? tokensAt(prev, now) : null;
  const tokens = rate ? Math.min(rate.claims, before ?? rate.claims) : null;
  return { role, claims, intervalMs, maxConcurrent, tokens, refilledAt: rate ? now : null, updatedAt: now, updatedBy: actor };
}

const sameSpec = (a: RoleLimitSpec, b: RoleLimitSpec): boolean =>
  a.claims === b.claims && a.intervalMs === b.intervalMs && a.maxConcurrent === b.maxConcurrent;

/** A role's limits as they stand now: `tokens` available now, and its leases running. */
export interface RoleLimitStatus extends Omit<RoleLimit, "refilledAt"> {
  running: number;
}

/** What one claim may take, role by role. */
export interface ClaimGate {
  /** The agent's roles that may be handed out now. */
  readonly roles: readonly string[];
  /** How many more steps of the role this claim may hand out (Infinity without limits). */
  left(role: string): number;
  /** Records a step of the role handed out: takes a token from its bucket (in the claim's transaction). */
  take(role: string): Promise<void>;
}

export class RoleLimits {
  /** One wake per rate-limited role, when its next token is due. */
  private readonly wakes = new Map<string, { at: number; handle: TimerHandle }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Offers work of these roles to parked claims. */
    private readonly wake: (roles: readonly string[]) => void,
  ) {}

  /**
   * Applies start-up limits (BATON_RATE_LIMITS), already validated: each role's limits are set,
   * unless they are already what is asked (then its bucket is left as it is). Roles not named
   * keep the limits they have.
   */
  async configure(specs: readonly RoleLimitSpec[], actor: string): Promise<void> {
    const now = this.clock.now();
    await this.store.transact(async (s) => {
      for (const spec of specs) {
        const prev = await s.limits.get(spec.role);
        if (!prev || !sameSpec(prev, spec)) await s.limits.put(configured(prev, spec, now, actor));
      }
    });
  }

  /** Sets a role's limits (BAD_USER_INPUT for a bad or empty one). */
  async set(spec: RoleLimitSpec, actor: string): Promise<RoleLimitStatus> {
    const problems = roleLimitProblems(spec);
    if (problems.length > 0) throw badInput(problems);
    const now = this.clock.now();
    const limit = await this.store.transact(async (s) => {
      const l = configured(await s.limits.get(spec.role), spec, now, actor);
      await s.limits.put(l);
      return l;
    });
    this.wake([spec.role]); // the limits may be looser now
    return this.status(limit, now);
  }

  /** Removes a role's limits; false when it had none. */
  async remove(role: string): Promise<boolean> {
    const removed = await this.store.transact((s) => s.limits.remove(role));
    if (removed) this.wake([role]);
    return removed;
  }

  /** Every role's limits as they stand now, by role. */
  async list(): Promise<RoleLimitStatus[]> {
    const now = this.clock.now();
    const limits = await this.store.queries.limits.all();
    return Promise.all(limits.map((l) => this.status(l, now)));
  }

  /**
   * The gate of one claim, in its transaction (`repos`), or null when none of the roles has
   * limits. A role found without a token gets a wake for when its next one is due.
   */
  async gate(repos: Repositories, roles: readonly string[], now: number): Promise<ClaimGate | null> {
    const left = new Map<string, number>();
    for (const role of roles) {
      const l = await repos.limits.get(role, true);
      if (!l) continue;
      left.set(role, allowance(l, l.maxConcurrent === null ? 0 : await repos.attempts.runningOfRole(role), now));
      const wait = msUntilToken(l, now);
      if (wait > 0) this.wakeIn(role, now + wait);
    }
    if (left.size === 0) return null;
    const leftOf = (role: string): number => left.get(role) ?? Infinity;
    return {
      roles: roles.filter((r) => leftOf(r) > 0),
      left: leftOf,
      take: async (role) => {
        const n = left.get(role);
        if (n === undefined) return;
        left.set(role, n - 1);
        const l = (await repos.limits.get(role))!;
        if (rateOf(l)) await repos.limits.saveBucket(takeToken(l, now));
      },
    };
  }

  /** Cancels the pending wakes. */
  stop(): void {
    for (const w of this.wakes.values()) w.handle.cancel();
    this.wakes.clear();
  }

  private wakeIn(role: string, at: number): void {
    const pending = this.wakes.get(role);
    if (pending && pending.at <= at) return;
    pending?.handle.cancel();
    const handle = this.clock.schedule(at - this.clock.now(), () => {
      this.wakes.delete(role);
      this.wake([role]);
    });
    this.wakes.set(role, { at, handle });
  }

  private async status(l: RoleLimit, now: number): Promise<RoleLimitStatus> {
    const { role, claims, intervalMs, maxConcurrent, updatedAt, updatedBy } = l;
    return { role, claims, intervalMs, maxConcurrent, tokens: tokensAt(l, now), running: await this.store.queries.attempts.runningOfRole(role), updatedAt, updatedBy };
  }
}
