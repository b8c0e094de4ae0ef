/**
 * The coordinator's API, a facade over small services composed around one transaction runner
 * (./runner.ts: each operation is ONE transaction — load → decide → save with its signals — then
 * publish, re-arm and wake after commit):
 *
 *   ./plans.ts     createPlan (and its dry run, validatePlan), startPlan
 *   ./leases.ts    claim (long polls), heartbeat, complete, fail, reportMany (group commit)
 *   ./control.ts   interventions, checkpoints, forks
 *   ./bulk.ts      one plan-wide intervention applied to many plans (by id or by filter)
 *   ./context.ts   updateContext
 *   ./messages.ts  sendMessage, sendSignal
 *   ./agents.ts    registration, presence, the offline sweep
 *   ./due.ts       durable timers and lease expiry
 *   ./limits.ts    role limits
 *   ./retention.ts removing finished plans past BATON_RETENTION
 * and, shared by them: ./tx.ts (the transaction context), ./decisions.ts (dispatch / apply a
 * decision, checkpoints, context writes), ./unit.ts (a transaction's working set).
 *
 * The facade builds them (constructor injection) and owns the lifecycle: start, drain, stop.
 */
import type { BatonError, CodedProblem } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { RoleLimitSpec } from "../domain/limits.js";
import type { AgentModel, Json, PlanModel, SignalModel } from "../domain/model.js";
import type { StepDraft } from "../engine/validate.js";
import type { Logger } from "../logger.js";
import { SignalHub } from "../signals/hub.js";
import type { CheckpointRecord } from "../store/checkpoints.js";
import type { ContextEntryModel } from "../store/context.js";
import type { InterventionRecord } from "../store/interventions.js";
import type { Store } from "../store/store.js";
import { Templates } from "../templates/templates.js";
import { Tokens } from "../auth/tokens.js";
import { Agents } from "./agents.js";
import { lazyLogger } from "./background.js";
import { LogFeed } from "./feed.js";
import type { Clock } from "./clock.js";
import { SharedContext } from "./context.js";
import { BulkControl, type BulkOutcome, type BulkRequest, type BulkSelection } from "./bulk.js";
import { Control } from "./control.js";
import { DueTimers } from "./due.js";
import { Leases } from "./leases.js";
import { RoleLimits, type RoleLimitStatus } from "./limits.js";
import { Messages, type MessageRequest } from "./messages.js";
import type { CoordinatorObserver } from "./observer.js";
import { Plans } from "./plans.js";
import { Retention } from "./retention.js";
import type { ContextUpdate, ControlRequest, CreatePlanRequest, LeaseGrant, LeaseStatus, RegisterAgentRequest, Report, ReportedError, StepResult } from "./requests.js";
import { TransactionRunner } from "./runner.js";
import { SYSTEM } from "./tx.js";
import { ClaimWaiters } from "./waiters.js";

export type { MessageRequest } from "./messages.js";
export type { ControlRequest, CreatePlanRequest, LeaseGrant, LeaseStatus, RegisterAgentRequest, Report, ReportedError, StepResult } from "./requests.js";
export { MAX_AGENT_NAME } from "./agents.js";
export { MAX_BULK, type BulkOutcome, type BulkRequest, type BulkSelection, type BulkTarget } from "./bulk.js";
export { MAX_CLAIM_BATCH, MAX_CLAIM_WAIT_MS } from "./leases.js";

export interface CoordinatorOptions {
  clock: Clock;
  /** A remote agent not seen for this long goes OFFLINE. */
  agentOfflineMs: number;
  /** STEP checkpoints kept per plan (BATON_CHECKPOINT_KEEP). */
  checkpointKeep: number;
  /** Finished plans older than this (ms) are removed in the background (BATON_RETENTION); null keeps them all. */
  retentionMs?: number | null;
  /** Role limits applied at start (BATON_RATE_LIMITS); others set at run time are kept. */
  roleLimits?: readonly RoleLimitSpec[];
  /** Where background work (timers, the agent sweep) reports failures; JSON on stderr by default. */
  logger?: Logger;
  /** Told what each committed transaction did (the metrics, tracing). */
  observers?: readonly CoordinatorObserver[];
}

export class Coordinator {
  /** Committed signals, live (the subscriptions, the built-in agents, webhooks). */
  readonly hub = new SignalHub();
  readonly templates: Templates;
  /** API tokens: who may call the gateway (src/auth/tokens.ts). */
  readonly tokens: Tokens;
  /** This gateway among those on the database (its notices carry it). */
  readonly gateway = newId("gateway");
  private readonly waiters = new ClaimWaiters();
  private readonly feed: LogFeed;
  private stopListening: (() => Promise<void>) | null = null;
  private readonly limits: RoleLimits;
  private readonly due: DueTimers;
  private readonly plans: Plans;
  private readonly agents: Agents;
  private readonly leases: Leases;
  private readonly control: Control;
  private readonly bulk: BulkControl;
  private readonly context: SharedContext;
  private readonly messages: Messages;
  private readonly retention: Retention | null;
  private draining = false;

  constructor(
    readonly store: Store,
    private readonly options: CoordinatorOptions,
  ) {
    const { clock } = options;
    const logger = lazyLogger(options.logger);
    /** Agents' last contact as committed: recorded by the runner, read by the agents. */
    const lastSeen = new Map<string, number>();
    this.feed = new LogFeed(this.hub, store, clock, logger);
    const runner = new TransactionRunner({
      store,
      clock,
      checkpointKeep: options.checkpointKeep,
      feed: this.feed,
      gateway: this.gateway,
      waiters: this.waiters,
      lastSeen,
      noteTimer: (dueAt) => this.due.noteTimer(dueAt),
      observers: options.observers ?? [],
      logger,
    });
    this.templates = new Templates(store, clock);
    this.tokens = new Tokens(store, () => clock.now());
    this.limits = new RoleLimits(store, clock, (roles) => void this.waiters.wake(roles));
    this.messages = new Messages(runner);
    this.due = new DueTimers({ runner, store, clock, replyTimedOut: (tx, t) => this.messages.replyTimedOut(tx, t), logger });
    this.plans = new Plans({ runner, store, clock, templates: this.templates });
    this.agents = new Agents({ runner, store, clock, agentOfflineMs: options.agentOfflineMs, lastSeen, logger });
    this.leases = new Leases({ runner, store, clock, agents: this.agents, limits: this.limits, waiters: this.waiters, isDraining: () => this.draining });
    this.control = new Control({ runner, clock });
    this.bulk = new BulkControl({ control: this.control, store, logger });
    this.context = new SharedContext(runner);
    this.retention = options.retentionMs ? new Retention({ runner, clock, retentionMs: options.retentionMs, logger }) : null;
  }

  get clock(): Clock {
    return this.options.clock;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Claims parked in a long poll now. */
  get waitingClaims(): number {
    return this.waiters.size;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Fires timers that fell due (also those due while the server was down), arms the next, starts the agent sweep. */
  async start(): Promise<void> {
    await this.feed.start();
    if (this.store.notices) {
      // Another gateway's commit: its signals go live here too, its claimable work wakes the claims parked here.
      this.stopListening = await this.store.notices.listen(
        (n) => {
          if (n.gateway === this.gateway) return;
          this.feed.reached(n.head);
          void (n.roles === "*" ? this.waiters.wakeAll() : this.waiters.wake(n.roles));
        },
        () => {
          this.feed.reached(null);
          void this.waiters.wakeAll();
        },
      );
    }
    await this.limits.configure(this.options.roleLimits ?? [], SYSTEM);
    await this.due.start();
    this.agents.startSweeping();
    this.retention?.start();
  }

  /** Stops handing out work: claims return nothing and long polls end now. */
  drain(): void {
    this.draining = true;
    this.waiters.abandonAll();
  }

  /** Stops the background work; resolves once what was under way (a round of timers, a sweep) has ended. */
  async stop(): Promise<void> {
    this.drain();
    this.limits.stop();
    this.feed.stop();
    await Promise.all([this.due.stop(), this.agents.stopSweeping(), this.retention?.stop(), this.stopListening?.()]);
  }

  /** Fires the timers and expires the leases due now (the scheduler calls it; see ./due.ts). */
  fireDueTimers(): Promise<void> {
    return this.due.fire();
  }

  // ---------------------------------------------------------------- plans (./plans.ts)

  createPlan(req: CreatePlanRequest, actor: string): Promise<PlanModel> {
    return this.plans.create(req, actor);
  }

  /** createPlan's checks, nothing written: the problems it would refuse the request for (see ./plans.ts). */
  validatePlan(req: CreatePlanRequest): Promise<CodedProblem[]> {
    return this.plans.validate(req);
  }

  startPlan(id: string, actor: string): Promise<PlanModel> {
    return this.plans.start(id, actor);
  }

  // ---------------------------------------------------------------- agents and leases (./agents.ts, ./leases.ts)

  registerAgent(req: RegisterAgentRequest, builtin = false): Promise<AgentModel> {
    return this.agents.register(req, builtin);
  }

  /** Remote agents not heard from within agentOfflineMs go OFFLINE. */
  /** Removes the finished plans past the retention now (the background job does it every so often); how many. */
  removeExpiredPlans(): Promise<number> {
    return this.retention?.removeExpired() ?? Promise.resolve(0);
  }

  sweepAgents(): Promise<void> {
    return this.agents.sweep();
  }

  /**
   * Claims up to `max` READY steps of the agent's roles, best first. With `waitMs` and nothing
   * ready, waits until a commit makes work claimable or the time runs out.
   */
  claim(agentId: string, max = 1, waitMs = 0, signal?: AbortSignal): Promise<LeaseGrant[]> {
    return this.leases.claim(agentId, max, waitMs, signal);
  }

  heartbeat(leaseId: string, progress: number | null = null, message: string | null = null): Promise<LeaseStatus> {
    return this.leases.heartbeat(leaseId, progress, message);
  }

  /** Completes the attempt; `addSteps` join the plan (dynamic plans), or the attempt fails with INVALID_PLAN when they are invalid. */
  complete(leaseId: string, output: Json | null, quality: number | null = null, addSteps: StepDraft[] | null = null): Promise<StepResult> {
    return this.leases.complete(leaseId, output, quality, addSteps);
  }

  fail(leaseId: string, error: ReportedError): Promise<StepResult> {
    return this.leases.fail(leaseId, error);
  }

  /** Many agent reports in ONE transaction (group commit); a refused one is returned as its error, in input order. */
  reportMany(reports: readonly Report[]): Promise<(StepResult | BatonError)[]> {
    return this.leases.reportMany(reports);
  }

  // ---------------------------------------------------------------- operator control (./control.ts, ./context.ts)

  /** Applies an operator's intervention, or records why it was refused (see ./control.ts). */
  intervene(planId: string, input: ControlRequest, by: { actor: string; reason?: string | null; expectedVersion?: number | null }): Promise<InterventionRecord> {
    return this.control.intervene(planId, input, by);
  }

  /** Applies one plan-wide intervention to many plans, each in its own transaction (see ./bulk.ts). */
  interveneMany(selection: BulkSelection, request: BulkRequest, by: { actor: string; reason: string }): Promise<BulkOutcome> {
    return this.bulk.interveneMany(selection, request, by);
  }

  /** A MANUAL checkpoint of the plan as it is now. */
  createCheckpoint(planId: string, label: string | null, actor: string): Promise<CheckpointRecord> {
    return this.control.createCheckpoint(planId, label, actor);
  }

  /** A new plan that starts from a checkpoint's state; the fork is in the original plan's audit log, with its reason. */
  forkFromCheckpoint(checkpointId: string, name: string | null, actor: string, reason: string | null = null): Promise<PlanModel> {
    return this.control.forkFromCheckpoint(checkpointId, name, actor, reason);
  }

  /** Writes one key of a plan's shared context (see ./context.ts). */
  updateContext(req: ContextUpdate, by: { actor: string; leaseId?: string | null; reason?: string | null }): Promise<ContextEntryModel> {
    return this.context.update(req, by);
  }

  // ---------------------------------------------------------------- messages and signals (./messages.ts)

  /** Sends a MESSAGE signal (a request when it expects a reply). */
  sendMessage(req: MessageRequest, by: { actor: string; leaseId?: string | null }): Promise<SignalModel> {
    return this.messages.sendMessage(req, by);
  }

  /** Appends a CUSTOM signal to a plan's timeline. */
  sendSignal(req: { planId: string; name: string; stepKey?: string | null; payload?: Json; recipient?: string | null }, sender: string): Promise<SignalModel> {
    return this.messages.sendSignal(req, sender);
  }

  // ---------------------------------------------------------------- queue policies per role (./limits.ts)

  /** Sets a role's claim rate and/or cap on running leases; BAD_USER_INPUT for a bad or empty one. */
  setRoleLimit(spec: RoleLimitSpec, actor: string): Promise<RoleLimitStatus> {
    return this.limits.set(spec, actor);
  }

  /** Removes a role's limits; false when it had none. */
  removeRoleLimit(role: string): Promise<boolean> {
    return this.limits.remove(role);
  }

  /** Every role's limits as they stand now, by role. */
  roleLimits(): Promise<RoleLimitStatus[]> {
    return this.limits.list();
  }
}
