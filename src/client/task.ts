/**
 * One leased step, run by an agent: call the handler, heartbeat while it runs, then report.
 *
 *   claimed ──handler runs, heartbeats every heartbeatTimeoutMs/3──┬─ returned → completeStep
 *                                                                 │              (refused → failStep INVALID_OUTPUT)
 *                                                                 ├─ threw    → failStep
 *                                                                 ├─ cancelRequested → nothing (refused)
 *                                                                 └─ lease lost      → nothing (refused)
 *
 * A heartbeat answered with cancelRequested, or refused because the lease is gone (CONFLICT:
 * it expired and the step was handed out again), aborts the handler's `signal`; the attempt is
 * then not reported, since the gateway would refuse it. Given a ReportSender (the agent's), the
 * report goes with the others finished at that moment (completeSteps / failSteps, ./reports.ts).
 */
import type { BatonClient } from "./client.js";
import { BatonClientError, ClientErrorCode, isBatonClientError } from "./errors.js";
import { HeartbeatStepDocument, type StepCompletionInput, type StepErrorInput, type StepFailureInput, type StepInput, type StepLeaseFieldsFragment } from "./generated/graphql.js";
import { completeOne, failOne, type ReportSender } from "./reports.js";
import { silentLogger, sleep, type AgentLogger } from "./util.js";

/**
 * Errors after which a report is sent again: it did not reach the gateway, or the gateway could not
 * save it (a full disk, a read-only database: nothing was saved, the lease still runs).
 */
const TRANSIENT = [ClientErrorCode.NETWORK_ERROR, ClientErrorCode.HTTP_ERROR, "STORAGE_FULL", "STORAGE_READ_ONLY", "STORAGE_UNAVAILABLE"];

/** A claimed step: what to work on, and the lease to report it under. */
export type Lease = StepLeaseFieldsFragment;

/** What a handler gets for one leased step. */
export interface TaskContext {
  /** The lease: its id, plan, step key, attempt number, the step's input and config, and the plan context. */
  readonly lease: Lease;
  /** The id of the agent running it. */
  readonly agentId: string;
  /** The agent's client, e.g. to read the plan (GetPlanDocument) or its signals. */
  readonly client: BatonClient;
  /** Aborted when the plan asks the work to stop (cancelRequested) or the lease was lost; `reason` is a {@link LeaseAbortedError}. */
  readonly signal: AbortSignal;
  /** Reports progress (0..1) with an optional message; also extends the lease. */
  progress(progress: number, message?: string): Promise<void>;
}

/**
 * The work of an agent: returns the step's output (JSON), possibly wrapped by {@link withQuality}
 * and/or {@link withSteps}; throws to fail the attempt.
 */
export type TaskHandler = (task: TaskContext) => unknown;

/** Why a handler's signal was aborted. */
export class LeaseAbortedError extends Error {
  constructor(readonly reason: "cancelled" | "lost", leaseId: string) {
    super(reason === "cancelled" ? `lease ${leaseId}: the plan asked to stop` : `lease ${leaseId} was lost`);
    this.name = "LeaseAbortedError";
  }
}

const QUALITY = Symbol.for("baton.withQuality");

/** A step output with a quality score, as returned by {@link withQuality}. */
export interface WithQuality<T = unknown> {
  readonly [QUALITY]: true;
  readonly output: T;
  readonly quality: number;
}

/** Wraps a handler's output with a quality score in 0..1, reported with completeStep. */
export function withQuality<T>(output: T, quality: number): WithQuality<T> {
  return { [QUALITY]: true, output, quality };
}

function isWithQuality(v: unknown): v is WithQuality {
  return typeof v === "object" && v !== null && (v as Partial<WithQuality>)[QUALITY] === true;
}

const STEPS = Symbol.for("baton.withSteps");

/** A step output with steps to add to the plan, as returned by {@link withSteps}. */
export interface WithSteps<T = unknown> {
  readonly [STEPS]: true;
  readonly output: T;
  readonly steps: readonly StepInput[];
}

/**
 * Wraps a handler's output with steps to add to the running plan (a planner decomposing its
 * task), reported with completeStep: appended at the end of the plan in this order, they may
 * depend on each other, on this step and on any other. If they are invalid, nothing is added
 * and the step FAILS with error type INVALID_PLAN. Combines with {@link withQuality} either way
 * round: `withSteps(withQuality(output, 0.9), steps)`.
 */
export function withSteps<T>(output: T, steps: readonly StepInput[]): WithSteps<T> {
  return { [STEPS]: true, output, steps };
}

function isWithSteps(v: unknown): v is WithSteps {
  return typeof v === "object" && v !== null && (v as Partial<WithSteps>)[STEPS] === true;
}

/** What a handler's return value reports: the output inside its wrappers, and their quality and steps to add. */
function completionOf(value: unknown): { output: unknown; quality: number | null; addSteps: StepInput[] | null } {
  const c = { output: value, quality: null as number | null, addSteps: null as StepInput[] | null };
  for (;;) {
    if (isWithQuality(c.output)) c.quality ??= c.output.quality;
    else if (isWithSteps(c.output)) c.addSteps ??= [...c.output.steps];
    else return c;
    c.output = c.output.output;
  }
}

/**
 * The StepErrorInput reported for a thrown value: its message; `type` from a string `type`
 * property, else the error's name unless it is plain "Error"; `retryable` and `details` from
 * properties of those names when present (else the gateway's defaults: retryable).
 */
export function toStepError(thrown: unknown): StepErrorInput {
  const err = thrown instanceof Error ? thrown : null;
  const props = (typeof thrown === "object" && thrown !== null ? thrown : {}) as { type?: unknown; retryable?: unknown; details?: unknown };
  const message = (err ? err.message : String(thrown)).trim() || (err && err.name !== "Error" ? err.name : "handler failed");
  const type = typeof props.type === "string" ? props.type : err && err.name !== "Error" ? err.name : null;
  return {
    message,
    type,
    retryable: typeof props.retryable === "boolean" ? props.retryable : null,
    details: props.details ?? null,
  };
}

export interface RunTaskOptions {
  client: BatonClient;
  agentId: string;
  handler: TaskHandler;
  logger?: AgentLogger;
  /** Sends the report with the other tasks' of the moment (./reports.ts); without it, the report goes alone. */
  reports?: ReportSender;
}

/** Runs one lease to its end. Never rejects: every failure is reported to the gateway or logged. */
export async function runTask(lease: Lease, { client, agentId, handler, logger = silentLogger, reports }: RunTaskOptions): Promise<void> {
  const complete = (r: StepCompletionInput): Promise<unknown> => (reports ? reports.complete(r) : completeOne(client, r));
  const fail = (r: StepFailureInput): Promise<unknown> => (reports ? reports.fail(r) : failOne(client, r));
  const log = { leaseId: lease.id, planId: lease.planId, stepKey: lease.stepKey, attempt: lease.attempt };
  const controller = new AbortController();
  let settled = false;
  let beating = false;
  /** Until when the gateway keeps the lease without hearing from us: a report is worth retrying till then. */
  let keptUntil = Date.now() + lease.heartbeatTimeoutMs;

  /** Extends the lease; aborts the handler on cancelRequested or a lost lease. */
  const beat = async (progress: number | null = null, message: string | null = null): Promise<void> => {
    try {
      const { heartbeatStep } = await client.request(HeartbeatStepDocument, { leaseId: lease.id, progress, message });
      keptUntil = Date.now() + lease.heartbeatTimeoutMs;
      if (heartbeatStep.cancelRequested && !settled) controller.abort(new LeaseAbortedError("cancelled", lease.id));
    } catch (e) {
      if (settled || controller.signal.aborted) return;
      if (isBatonClientError(e, "CONFLICT", "NOT_FOUND")) controller.abort(new LeaseAbortedError("lost", lease.id));
      else logger.warn({ ...log, err: describe(e) }, "heartbeat failed; retrying at the next beat");
    }
  };
  const period = Math.max(10, Math.floor(lease.heartbeatTimeoutMs / 3));
  const timer = setInterval(() => {
    if (beating || settled) return;
    beating = true;
    void beat().finally(() => (beating = false));
  }, period);

  const context: TaskContext = {
    lease,
    agentId,
    client,
    signal: controller.signal,
    progress: (progress, message) => {
      if (!(progress >= 0 && progress <= 1)) return Promise.reject(new RangeError(`progress must be from 0 to 1, got ${progress}`));
      return beat(progress, message ?? null);
    },
  };

  logger.info(log, "step claimed");
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await handler(context) };
  } catch (error) {
    outcome = { ok: false, error };
  } finally {
    settled = true;
    clearInterval(timer);
  }

  if (controller.signal.aborted) {
    logger.warn({ ...log, reason: (controller.signal.reason as LeaseAbortedError).reason }, "step abandoned: not reported");
    return;
  }
  if (outcome.ok) {
    const { output, quality, addSteps } = completionOf(outcome.value);
    const refused = await report(() => complete({ leaseId: lease.id, output: output ?? null, quality, addSteps }), "completed", log, logger, () => keptUntil);
    // An output the gateway refuses (not JSON, quality out of range) fails the attempt instead of
    // leaving it to expire; a deterministic handler would return the same again, so no retry.
    if (refused && !isBatonClientError(refused, "CONFLICT", ...TRANSIENT)) {
      const error = { message: `output refused: ${describe(refused)}`, type: "INVALID_OUTPUT", retryable: false };
      await report(() => fail({ leaseId: lease.id, error }), "failed", log, logger, () => keptUntil);
    }
  } else {
    const error = toStepError(outcome.error);
    logger.info({ ...log, error: error.message, type: error.type }, "handler threw");
    await report(() => fail({ leaseId: lease.id, error }), "failed", log, logger, () => keptUntil);
  }
}

/**
 * Sends a report, retrying while the gateway cannot be reached: at least 5 tries, and for as
 * long as the gateway would still keep the lease (`keptUntil`: a gateway restarting within that
 * time still takes the report). Resolves with the error that stopped it (logged), or null once
 * reported.
 */
async function report(send: () => Promise<unknown>, what: string, log: object, logger: AgentLogger, keptUntil: () => number): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      logger.info(log, `step ${what}`);
      return null;
    } catch (e) {
      if (attempt > 1 && isBatonClientError(e, "CONFLICT")) {
        logger.warn(log, `step ${what}: the gateway no longer knows the lease (an earlier try may have reached it)`);
        return null;
      }
      const transient = isBatonClientError(e, ...TRANSIENT);
      if (!transient || (attempt >= 5 && Date.now() >= keptUntil())) {
        logger.error({ ...log, err: describe(e), code: e instanceof BatonClientError ? e.code : undefined }, `could not report the step ${what}`);
        return e;
      }
      await sleep(Math.min(2_000, 100 * 2 ** attempt));
    }
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
