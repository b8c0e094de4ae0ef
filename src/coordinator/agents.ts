/**
 * Agents: registration, presence (last contact, ONLINE / OFFLINE) and the sweep that takes remote
 * agents not heard from within agentOfflineMs OFFLINE. Each change is one transaction of the
 * runner (./runner.ts).
 */
import { isReservedRole, roleListProblems } from "../domain/builtins.js";
import { BatonError, badInput, type Problem } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { AgentModel } from "../domain/model.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import { logFailure } from "./background.js";
import type { Clock, TimerHandle } from "./clock.js";
import type { RegisterAgentRequest } from "./requests.js";
import type { TransactionRunner } from "./runner.js";
import { SYSTEM, type Tx } from "./tx.js";

/** The longest agent name registerAgent takes. */
export const MAX_AGENT_NAME = 200;
const SEEN_RESOLUTION_MS = 1_000;

export interface AgentDeps {
  runner: TransactionRunner;
  /** For reads outside a transaction (whether the sweep has anything to do). */
  store: Store;
  clock: Clock;
  /** A remote agent not seen for this long goes OFFLINE. */
  agentOfflineMs: number;
  /** Agents' last contact as committed (the runner records it after each commit), to write last_seen_at at most once a second. */
  lastSeen: Map<string, number>;
  logger: () => Logger;
}

export class Agents {
  private sweepHandle: TimerHandle | null = null;
  private sweeping = false;
  private running: Promise<void> | null = null;

  constructor(private readonly deps: AgentDeps) {}

  async register(req: RegisterAgentRequest, builtin = false): Promise<AgentModel> {
    const problems: Problem[] = [];
    if (req.name.trim() === "" || req.name.length > MAX_AGENT_NAME) problems.push({ path: "name", message: `must be 1 to ${MAX_AGENT_NAME} characters, not blank` });
    problems.push(...roleListProblems(req.roles, "roles"));
    const concurrency = req.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
      problems.push({ path: "concurrency", message: `must be a whole number from 1 to 1000, got ${concurrency}` });
    }
    if (problems.length) throw badInput(problems);
    // builtin.* steps are the gateway's own work (an approval is a builtin.signal step): only
    // its built-in agents serve them, so a remote agent may not even name such a role.
    const reserved = builtin ? [] : req.roles.filter(isReservedRole);
    if (reserved.length > 0) {
      throw new BatonError("FORBIDDEN", `builtin.* roles are reserved for the gateway's own agents: ${reserved.join(", ")}`, { roles: reserved });
    }
    const now = this.deps.clock.now();
    const agent: AgentModel = {
      id: newId("agent"),
      name: req.name,
      roles: [...new Set(req.roles)],
      concurrency,
      status: "ONLINE",
      builtin,
      metadata: req.metadata ?? null,
      lastSeenAt: now,
      createdAt: now,
      owner: req.owner ?? null,
    };
    return await this.deps.runner.transact(async (tx) => {
      await tx.store.agents.insert(agent);
      tx.emit({ kind: "AGENT_ONLINE", agentId: agent.id, sender: agent.id, payload: { name: agent.name, roles: agent.roles } });
      return agent;
    });
  }

  /**
   * Records, in the caller's transaction, that an agent was heard from; an OFFLINE agent comes
   * back ONLINE. Writes at most once a second per agent: last_seen_at is only compared with the
   * offline threshold (≥ 1 s).
   */
  async seen(tx: Tx, agentId: string, now: number): Promise<void> {
    const last = this.deps.lastSeen.get(agentId);
    if (last !== undefined && now - last < SEEN_RESOLUTION_MS) return;
    const agent = await tx.store.agents.get(agentId);
    if (!agent) return;
    tx.unit.seen.set(agentId, now); // remembered once committed
    await tx.store.agents.touch(agentId, now, "ONLINE");
    if (agent.status === "OFFLINE") {
      tx.emit({ kind: "AGENT_ONLINE", agentId, sender: agentId, payload: { name: agent.name } });
    }
  }

  /** Remote agents not heard from within agentOfflineMs go OFFLINE. */
  async sweep(): Promise<void> {
    const { clock, lastSeen } = this.deps;
    const before = clock.now() - this.deps.agentOfflineMs;
    if ((await this.deps.store.queries.agents.staleIds(before)).length === 0) return; // nothing to write: no transaction
    const ids = await this.deps.runner.transact(async (tx) => {
      const stale = await tx.store.agents.staleIds(before);
      for (const id of stale) {
        await tx.store.agents.touch(id, (await tx.store.agents.get(id))!.lastSeenAt ?? before, "OFFLINE");
        tx.emit({ kind: "AGENT_OFFLINE", agentId: id, sender: SYSTEM, payload: null });
      }
      return stale;
    });
    for (const id of ids) lastSeen.delete(id); // once committed
  }

  /** Sweeps every agentOfflineMs / 2 (at least every second) until stopped. */
  startSweeping(): void {
    const every = Math.max(1000, this.deps.agentOfflineMs / 2);
    this.sweeping = true;
    this.sweepHandle = this.deps.clock.schedule(every, () => {
      this.sweepHandle = null;
      return (this.running = this.sweep()
        .catch((err: unknown) => logFailure(this.deps.logger(), err, "the agent sweep", every)) // the next sweep finds them again
        .finally(() => {
          this.running = null;
          if (this.sweeping) this.startSweeping();
        }));
    });
  }

  /** Stops sweeping; resolves once a sweep under way has ended. */
  async stopSweeping(): Promise<void> {
    this.sweeping = false;
    this.sweepHandle?.cancel();
    await this.running;
  }
}
