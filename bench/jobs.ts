/**
 * The jobs scenario, run the same way by Baton and by the job queues it is compared with:
 * JOBS no-op jobs enqueued by one producer in batches of BATCH (each batch stored before the next
 * is sent, with each system's way of adding many jobs at once) while workers with concurrency 10
 * consume them. The clock runs from the first enqueue to the last job's completion being stored.
 *
 * - Baton: one-step plans (builtin.echo) created in process (a batch: as many createPlan calls at
 *   once), consumed by the in-process built-in agent with concurrency 10 (claims and reports
 *   committed in groups, as always).
 * - graphile-worker in its batched mode (`localQueue`, `completeJobBatchDelay`) on PostgreSQL.
 * - BullMQ on Redis (REDIS_URL, default the local server), completed jobs kept as by default.
 *
 * A peer whose server does not answer is skipped with a notice.
 */
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import pg from "pg";
import { BuiltinAgents } from "../src/coordinator/builtins.js";
import { systemClock } from "../src/coordinator/clock.js";
import { Coordinator } from "../src/coordinator/coordinator.js";
import { BuiltinRole } from "../src/domain/builtins.js";
import { benchDatabase, POSTGRES_URL, type Backend } from "./backends.js";

export const JOBS = 20_000;
const BATCH = 100;
const CONCURRENCY = 10;

export const REDIS_URL = process.env["BATON_BENCH_REDIS_URL"] ?? "redis://127.0.0.1:6379";

export interface JobsFigures {
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
}

/** Calls `add` with the numbers of each batch of BATCH jobs in turn, each once the one before is stored. */
async function produce(jobs: number, add: (batch: number[]) => Promise<unknown>): Promise<void> {
  for (let first = 0; first < jobs; first += BATCH) {
    await add(Array.from({ length: Math.min(BATCH, jobs - first) }, (_, i) => first + i));
  }
}

const figures = (jobs: number, t0: number): JobsFigures => {
  const seconds = (performance.now() - t0) / 1000;
  return { jobs, seconds, jobsPerSecond: jobs / seconds };
};

export async function batonJobs(backend: Backend, jobs = JOBS): Promise<JobsFigures> {
  const db = benchDatabase(backend);
  const store = await db.open();
  const coordinator = new Coordinator(store, { clock: systemClock, agentOfflineMs: 60_000, checkpointKeep: 100 });
  const builtins = new BuiltinAgents(coordinator, pino({ level: "silent" }), { concurrency: { [BuiltinRole.ECHO]: CONCURRENCY } });
  await coordinator.start();
  await builtins.start();
  let done = 0;
  const finished = new Promise<void>((resolve) =>
    coordinator.hub.listen((batch) => {
      for (const s of batch) if (s.kind === "PLAN_COMPLETED" && ++done === jobs) resolve();
    }),
  );
  const t0 = performance.now();
  await produce(jobs, (batch) => Promise.all(batch.map((i) => coordinator.createPlan({ name: `job ${i}`, steps: [{ key: "job", role: BuiltinRole.ECHO }] }, "bench"))));
  await finished;
  const result = figures(jobs, t0);
  coordinator.drain();
  await builtins.stop();
  await coordinator.stop();
  await store.close();
  await db.drop();
  return result;
}

/** graphile-worker, batched: a local queue of 500 jobs and completions committed together. */
export async function graphileJobs(jobs = JOBS): Promise<JobsFigures> {
  const { run, makeWorkerUtils, Logger } = await import("graphile-worker");
  const schema = `graphile_bench_${process.pid}_${randomBytes(3).toString("hex")}`;
  const preset = { worker: { connectionString: POSTGRES_URL, schema, concurrentJobs: CONCURRENCY, maxPoolSize: 12, localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0, pollInterval: 2_000 } };
  const logger = new Logger(() => () => undefined);
  const utils = await makeWorkerUtils({ connectionString: POSTGRES_URL, schema, logger });
  await utils.migrate();
  let handled = 0;
  const runner = await run({ preset, logger, noHandleSignals: true, taskList: { noop: async () => void handled++ } });
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
  try {
    const t0 = performance.now();
    await produce(jobs, (batch) => utils.addJobs(batch.map((i) => ({ identifier: "noop", payload: { i } }))));
    // Completions are committed in batches after the handlers return: the clock stops once the
    // last one is stored (no job row left).
    for (;;) {
      if (handled >= jobs && Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"._private_jobs`)).rows[0]!.n) === 0) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    return figures(jobs, t0);
  } finally {
    await runner.stop();
    await utils.release();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
}

/** BullMQ: one Worker with concurrency 10, a queue of its own, removed afterwards. */
export async function bullmqJobs(jobs = JOBS): Promise<JobsFigures> {
  const { Queue, Worker } = await import("bullmq");
  const url = new URL(REDIS_URL);
  const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
  const name = `baton-bench-${process.pid}-${randomBytes(3).toString("hex")}`;
  const queue = new Queue(name, { connection });
  let completed = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const worker = new Worker(name, async () => undefined, { connection, concurrency: CONCURRENCY });
  worker.on("completed", () => {
    if (++completed === jobs) finish();
  });
  await worker.waitUntilReady();
  try {
    const t0 = performance.now();
    await produce(jobs, (batch) => queue.addBulk(batch.map((i) => ({ name: "noop", data: { i } }))));
    await finished;
    return figures(jobs, t0);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** Whether a Redis server answers at REDIS_URL (a PING within 2 s). */
export async function redisAnswers(): Promise<boolean> {
  const { createConnection } = await import("node:net");
  const url = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}
