/**
 * Load generators run in a worker thread, so that clients and agents do not share the
 * gateway's event loop (on this 2-core machine: one core each), as real remote clients would not.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { createAgent } from "../src/client/index.js";
import { Agent } from "node:http";
import { postJson } from "./http.js";

type Job =
  | { kind: "queries"; url: string; query: string; variables: Record<string, unknown>; clients: number; perClient: number }
  | { kind: "agents"; url: string | string[]; role: string; agents: number; concurrency: number; token?: string | null };

/** Runs a job in a worker; resolves with its message (latencies) or when told to stop (agents). */
export function startWorker(job: Job): { result: Promise<number[]>; stop: () => void } {
  const worker = new Worker(new URL(import.meta.url), { workerData: job });
  const result = new Promise<number[]>((resolve, reject) => {
    worker.once("message", (m: number[]) => resolve(m));
    worker.once("error", reject);
    worker.once("exit", () => resolve([]));
  });
  return { result, stop: () => worker.postMessage("stop") };
}

async function runJob(job: Job): Promise<void> {
  if (job.kind === "queries") {
    const times: number[] = [];
    const body = JSON.stringify({ query: job.query, variables: job.variables });
    const agent = new Agent({ keepAlive: true, maxSockets: job.clients });
    const round = (n: number, record: boolean) =>
      Promise.all(
        Array.from({ length: job.clients }, async () => {
          for (let i = 0; i < n; i++) {
            const t0 = performance.now();
            await postJson(job.url, body, agent);
            if (record) times.push(performance.now() - t0);
          }
        }),
      );
    await round(Math.ceil(job.perClient / 4), false); // warm-up: JIT compilation, connection pools
    await round(job.perClient, true);
    parentPort!.postMessage(times);
    return;
  }
  // Several gateways: agent i starts on the i-th (the list rotated), so they spread evenly.
  const urls = typeof job.url === "string" ? [job.url] : job.url;
  const agents = Array.from({ length: job.agents }, (_, i) =>
    createAgent({ url: [...urls.slice(i % urls.length), ...urls.slice(0, i % urls.length)], token: job.token ?? undefined, name: `bench-${i}`, roles: [job.role], concurrency: job.concurrency, waitMs: 1000, handler: () => ({ ok: true }) }),
  );
  await Promise.all(agents.map((a) => a.ready));
  parentPort!.postMessage([]);
  await new Promise<void>((resolve) => parentPort!.once("message", () => resolve()));
  await Promise.all(agents.map((a) => a.stop()));
  process.exit(0);
}

if (!isMainThread) {
  process.env["NODE_ENV"] ??= "production";
  void runJob(workerData as Job);
}
