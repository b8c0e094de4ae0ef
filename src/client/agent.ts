/**
 * The agent SDK: a process that serves roles. It registers, long-polls claimSteps for as many
 * steps as it has free slots, runs the handler for each lease (see ./task.ts for heartbeats and
 * reporting; reports finished together go in one request, ./reports.ts) and claims again as
 * slots free up.
 *
 * Delivery is at least once: a step whose agent dies is handed out again once its lease expires,
 * so handlers should be idempotent (the lease's `attempt` tells a retry from a first run).
 *
 * @example
 * const agent = createAgent({
 *   url: "http://127.0.0.1:4000/graphql",
 *   token: process.env.BATON_TOKEN,
 *   name: "coder-1",
 *   roles: ["coder"],
 *   concurrency: 2,
 *   handler: async ({ lease, progress }) => {
 *     await progress(0.5, "halfway");
 *     return withQuality({ files: 3 }, 0.9);
 *   },
 * });
 * await agent.ready;
 * process.on("SIGTERM", () => void agent.stop());
 */
import { createClient, type BatonClient } from "./client.js";
import { ClientErrorCode, isBatonClientError } from "./errors.js";
import { ClaimStepsDocument, RegisterAgentDocument } from "./generated/graphql.js";
import { ReportSender } from "./reports.js";
import { runTask, type TaskHandler } from "./task.js";
import { nextDelay, silentLogger, sleep, type AgentLogger } from "./util.js";

/** Most steps one claim may ask for (the gateway's limit). */
const MAX_CLAIM = 100;

export interface AgentOptions {
  /**
   * The gateway's GraphQL endpoint; several gateways of one deployment as a list or separated by
   * commas (BATON_URL's form): the agent moves to the next when it loses the one it uses (see
   * ClientOptions.url), and its retries go there.
   */
  url: string | readonly string[];
  /** Display name. */
  name: string;
  /** Roles it serves. */
  roles: string[];
  /** Most steps it works on at once. @default 1 */
  concurrency?: number;
  /** Does the work of one step. */
  handler: TaskHandler;
  /** An API token of role agent (or admin): sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Sent with every request (x-baton-actor, ...). */
  headers?: Record<string, string>;
  /** How long one claim waits for work on the gateway (long poll, at most 30000). @default 10000 */
  waitMs?: number;
  /**
   * How long a finished step's report waits for others to go with it in one request
   * (completeSteps / failSteps; ./reports.ts). @default 2
   */
  reportLingerMs?: number;
  /** Where it logs; pino-compatible. @default silent */
  logger?: AgentLogger;
  /** Free metadata recorded with the registration. */
  metadata?: unknown;
  /** A client to use instead of creating one (it is then not closed by stop()). */
  client?: BatonClient;
}

export interface BatonAgent {
  /** Resolves with the agent's id once registered; rejects if the gateway refuses the registration. */
  readonly ready: Promise<string>;
  /** The agent's id, once registered. */
  readonly id: string | null;
  /** Steps being worked on now. */
  readonly running: number;
  /**
   * Stops claiming, waits for running handlers to finish and report, then resolves. A claim in
   * flight is abandoned: a step the gateway grants to it at that very moment is handed out again
   * once its lease expires. Safe to call twice.
   */
  stop(): Promise<void>;
}

/** Creates an agent and starts it: it registers at once, then claims work until stop(). */
export function createAgent(options: AgentOptions): BatonAgent {
  const { name, roles, handler, metadata, concurrency = 1, waitMs = 10_000, reportLingerMs = 2, logger = silentLogger } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > 30_000) throw new RangeError(`waitMs must be from 0 to 30000, got ${waitMs}`);
  if (!(reportLingerMs >= 0 && reportLingerMs <= 1_000)) throw new RangeError(`reportLingerMs must be from 0 to 1000, got ${reportLingerMs}`);
  const client = options.client ?? createClient({ url: options.url, token: options.token, headers: options.headers });
  const reports = new ReportSender(client, reportLingerMs);
  const stopSignal = new AbortController();
  const running = new Set<Promise<void>>();
  let slotFreed: (() => void) | null = null;
  let id: string | null = null;
  let stopping: Promise<void> | null = null;

  /** Registers, retrying while the gateway cannot be reached. */
  const register = async (): Promise<string> => {
    for (let delay = 0; ; ) {
      try {
        const { registerAgent } = await client.request(RegisterAgentDocument, { input: { name, roles, concurrency, metadata } }, { signal: stopSignal.signal });
        id = registerAgent.id;
        logger.info({ agentId: id, name, roles }, "agent registered");
        return id;
      } catch (e) {
        if (stopSignal.signal.aborted) throw new Error(`agent ${name} stopped before it registered`);
        if (!isBatonClientError(e, ClientErrorCode.NETWORK_ERROR, ClientErrorCode.HTTP_ERROR)) throw e;
        delay = nextDelay(delay);
        logger.warn({ name, err: (e as Error).message, retryInMs: delay }, "cannot register yet");
        await sleep(delay, stopSignal.signal);
      }
    }
  };

  /** Claims while there are free slots; each lease runs on its own. */
  const claimLoop = async (agentId: string): Promise<void> => {
    let delay = 0;
    while (!stopSignal.signal.aborted) {
      const free = concurrency - running.size;
      if (free <= 0) {
        await new Promise<void>((r) => (slotFreed = r));
        continue;
      }
      const started = Date.now();
      let leases;
      try {
        const input = { agentId, max: Math.min(free, MAX_CLAIM), waitMs };
        leases = (await client.request(ClaimStepsDocument, { input }, { signal: stopSignal.signal })).claimSteps;
      } catch (e) {
        if (stopSignal.signal.aborted) break;
        delay = nextDelay(delay);
        logger.warn({ agentId, err: (e as Error).message, retryInMs: delay }, "claim failed");
        await sleep(delay, stopSignal.signal);
        continue;
      }
      for (const lease of leases) track(runTask(lease, { client, agentId, handler, logger, reports }));
      const early = waitMs === 0 || Date.now() - started < waitMs / 2;
      if (leases.length > 0 || !early) delay = 0; // the gateway answers as it should: no backoff left from earlier errors
      else {
        // Nothing, and early: no long poll, or the gateway is draining. Back off instead of spinning.
        delay = nextDelay(delay);
        await sleep(delay, stopSignal.signal);
      }
    }
  };

  const track = (task: Promise<void>): void => {
    running.add(task);
    void task.finally(() => {
      running.delete(task);
      slotFreed?.();
      slotFreed = null;
    });
  };

  const ready = register();
  ready.catch((e: unknown) => logger.error({ name, err: (e as Error).message }, "agent could not register"));
  const loop = ready
    .then(claimLoop, () => undefined)
    .catch((e: unknown) => logger.error({ agentId: id, err: (e as Error).message }, "claim loop crashed"));

  return {
    ready,
    get id() {
      return id;
    },
    get running() {
      return running.size;
    },
    stop() {
      stopping ??= (async () => {
        stopSignal.abort();
        slotFreed?.();
        await loop;
        await Promise.all([...running]);
        if (!options.client) await client.close();
        logger.info({ agentId: id, name }, "agent stopped");
      })();
      return stopping;
    },
  };
}
