/**
 * Messages between agents (and operators): MESSAGE signals of a plan addressed to an agent id, a
 * role, or every agent of the plan (`*`), received through the `signals` subscription filtered by
 * recipient, and kept in the signal log like every other signal.
 *
 * A message sent with expectReply (or a replyTimeoutMs) is a request. It is answered exactly
 * once: by a reply (a message with `inReplyTo` = the request's sequence, addressed to the
 * request's sender), or, when replyTimeoutMs passes first, by a `reply_timeout` MESSAGE from
 * `system` to the request's sender. The timeout is a durable timer (MESSAGE_REPLY, see
 * ../store/timers.ts) fired by the coordinator, not the engine: it runs on while the plan is
 * paused or after it ended, fires at start-up if it fell due while the server was down, and a
 * reply clears it in the reply's transaction.
 *
 * Also CUSTOM signals (sendSignal), a plan's own timeline entries. Each send is one transaction
 * of the runner (./runner.ts).
 */
import { badInput, conflict, type Problem } from "../domain/errors.js";
import { IdPrefix, prefixOf } from "../domain/ids.js";
import { checkLengths, MAX_NAME, shown } from "../domain/limits.js";
import type { Json, PlanAggregate, SignalModel } from "../domain/model.js";
import { EVERY_AGENT } from "../store/signals.js";
import { MESSAGE_REPLY, type TimerRow } from "../store/timers.js";
import { leaseHolder } from "./leases.js";
import { signalProblems } from "./requests.js";
import type { TransactionRunner } from "./runner.js";
import { SYSTEM, type Tx } from "./tx.js";

export interface MessageRequest {
  planId: string;
  /** An agent id (`agt_…`), a role, or `*` for every agent of the plan; a reply's is the request's sender. */
  recipient: string;
  /** Default "message". */
  name?: string | null;
  stepKey?: string | null;
  payload?: Json;
  /** A request: a reply is expected. Implied by replyTimeoutMs. */
  expectReply?: boolean | null;
  /** A request that, unanswered this long, gets a `reply_timeout` message. */
  replyTimeoutMs?: number | null;
  /** This message replies to the request with this sequence. */
  inReplyTo?: number | null;
}

/** The payload of a MESSAGE signal: the sender's payload, and what makes it a request or a reply. */
interface MessagePayload {
  payload: Json;
  expectReply?: true;
  replyTimeoutMs?: number;
  inReplyTo?: number;
}

const DEFAULT_MESSAGE_NAME = "message";
/** The name of the MESSAGE telling a request's sender that no reply came in time. */
const REPLY_TIMEOUT = "reply_timeout";

/** The MESSAGE_REPLY timer of a request: one per request, never a step's key (step keys have no ':'). */
const replyTimerKey = (sequence: number): string => `msg:${sequence}`;

/** A MESSAGE signal's payload, as sendMessage wrote it. */
const payloadOf = (s: SignalModel): MessagePayload | null => s.payload as MessagePayload | null;
const isRequest = (s: SignalModel): boolean => s.kind === "MESSAGE" && payloadOf(s)?.expectReply === true;

export class Messages {
  constructor(private readonly runner: TransactionRunner) {}

  /** Appends a CUSTOM signal to a plan's timeline. */
  async sendSignal(
    req: { planId: string; name: string; stepKey?: string | null; payload?: Json; recipient?: string | null },
    sender: string,
  ): Promise<SignalModel> {
    return await this.runner.transact(async (tx) => {
      const a = await tx.mustLoad(req.planId);
      const problems = signalProblems(req, a.steps);
      if (problems.length > 0) throw badInput(problems);
      return await tx.emitNow({
        kind: "CUSTOM",
        name: req.name,
        planId: req.planId,
        stepKey: req.stepKey ?? null,
        sender,
        recipient: req.recipient ?? null,
        payload: req.payload ?? null,
      });
    });
  }

  /**
   * Sends a MESSAGE signal. The sender is the agent holding `leaseId` (a running lease of the
   * plan) or else the actor. Bad input (a reply to an unknown message, a non-request, a message
   * of another plan, or to someone else than the request's sender included) is BAD_USER_INPUT
   * with every problem; an unknown plan NOT_FOUND; a reply to a request already answered (by a
   * reply or its timeout) CONFLICT.
   */
  async sendMessage(req: MessageRequest, by: { actor: string; leaseId?: string | null }): Promise<SignalModel> {
    return await this.runner.transact(async (tx) => {
      const a = await tx.mustLoad(req.planId);
      const problems = await messageProblems(tx, req, a);
      if (problems.length > 0) throw badInput(problems);
      const sender = by.leaseId ? await leaseHolder(tx, req.planId, by.leaseId) : by.actor;
      if (req.inReplyTo != null) await closeRequest(tx, req.planId, req.inReplyTo);
      const timeoutMs = req.replyTimeoutMs ?? null;
      const payload: Record<string, Json> = { payload: req.payload ?? null }; // a MessagePayload
      if (req.expectReply || timeoutMs !== null) payload.expectReply = true;
      if (timeoutMs !== null) payload.replyTimeoutMs = timeoutMs;
      if (req.inReplyTo != null) payload.inReplyTo = req.inReplyTo;
      const message = await tx.emitNow({
        kind: "MESSAGE",
        name: req.name ?? DEFAULT_MESSAGE_NAME,
        planId: req.planId,
        stepKey: req.stepKey ?? null,
        sender,
        recipient: req.recipient,
        payload,
      });
      if (timeoutMs !== null) {
        const dueAt = tx.clock.now() + timeoutMs;
        await tx.store.timers.set({ planId: req.planId, stepKey: replyTimerKey(message.sequence), kind: MESSAGE_REPLY, ref: String(message.sequence), dueAt });
        tx.unit.earliestTimer = Math.min(tx.unit.earliestTimer ?? dueAt, dueAt);
      }
      return message;
    });
  }

  /** A request's timer fell due, so nothing answered it (a reply clears the timer): tells its sender. */
  async replyTimedOut(tx: Tx, t: TimerRow): Promise<void> {
    const request = (await (await tx.signalLog()).get(Number(t.ref)))!;
    tx.emit({
      kind: "MESSAGE",
      name: REPLY_TIMEOUT,
      planId: t.planId,
      stepKey: request.stepKey,
      sender: SYSTEM,
      recipient: request.sender,
      payload: { inReplyTo: request.sequence, timeoutMs: payloadOf(request)?.replyTimeoutMs ?? null },
    });
  }
}

/** Every problem of the message, as sent to this plan. */
async function messageProblems(tx: Tx, req: MessageRequest, a: PlanAggregate): Promise<Problem[]> {
  const problems: Problem[] = [];
  if (req.recipient.trim() === "") problems.push({ path: "recipient", message: `must be an agent id, a role or "${EVERY_AGENT}"` });
  else if (req.recipient.length > MAX_NAME) problems.push({ path: "recipient", message: `must be at most ${MAX_NAME} characters, got ${req.recipient.length}` });
  else if (prefixOf(req.recipient) === IdPrefix.agent && !(await tx.store.agents.get(req.recipient))) problems.push({ path: "recipient", message: `no agent ${req.recipient} is registered` });
  if (req.name != null && req.name.trim() === "") problems.push({ path: "name", message: "must not be empty" });
  checkLengths(problems, [["name", req.name]]);
  if (req.stepKey && !a.steps.some((s) => s.key === req.stepKey)) problems.push({ path: "stepKey", message: `plan has no step ${shown(req.stepKey)}` });
  const timeout = req.replyTimeoutMs;
  if (timeout != null && !(Number.isSafeInteger(timeout) && timeout >= 1)) problems.push({ path: "replyTimeoutMs", message: `must be a whole number ≥ 1, got ${timeout}` });
  if (timeout != null && req.expectReply === false) problems.push({ path: "expectReply", message: "must not be false with a replyTimeoutMs (a request)" });
  if (req.inReplyTo != null) problems.push(...(await replyProblems(tx, req, req.inReplyTo)));
  return problems;
}

/** What is wrong with `req` as a reply to message `inReplyTo`. */
async function replyProblems(tx: Tx, req: MessageRequest, inReplyTo: number): Promise<Problem[]> {
  const request = Number.isSafeInteger(inReplyTo) && inReplyTo >= 1 ? await (await tx.signalLog()).get(inReplyTo) : null;
  const problem = (message: string): Problem[] => [{ path: "inReplyTo", message }];
  if (!request || request.kind !== "MESSAGE") return problem(`no message has sequence ${inReplyTo}`);
  if (request.planId !== req.planId) return problem(`message ${inReplyTo} belongs to another plan`);
  if (!isRequest(request)) return problem(`message ${inReplyTo} is not a request (sent without expectReply or replyTimeoutMs)`);
  if (req.recipient !== request.sender) return [{ path: "recipient", message: `a reply goes to the request's sender "${request.sender}"` }];
  return [];
}

/** Request `inReplyTo` is being answered: its timer goes; CONFLICT when a reply or its timeout answered it already. */
async function closeRequest(tx: Tx, planId: string, inReplyTo: number): Promise<void> {
  const answer = await (await tx.signalLog()).answerTo(planId, inReplyTo);
  if (answer) {
    const how = answer.sender === SYSTEM && answer.name === REPLY_TIMEOUT ? "timed out" : "was already answered";
    throw conflict(`request ${inReplyTo} ${how} (message ${answer.sequence})`, { inReplyTo, answeredBy: answer.sequence });
  }
  await tx.store.timers.clear(planId, replyTimerKey(inReplyTo));
}
