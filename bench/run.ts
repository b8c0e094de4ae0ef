/** The benchmark scenarios, run in order; figures are printed as they are measured. */
import "reflect-metadata";
import { engineThroughput } from "./engine.js";
import { dispatchLatency, remoteThroughput, snapshotLatency } from "./remote.js";
import { fmt, line } from "./stats.js";

export async function run(): Promise<void> {
  process.stdout.write("Baton benchmark\n\n1. Engine throughput (in-process agents, 100 plans × 100 steps in waves)\n");
  const e = await engineThroughput();
  line("steps/s", fmt(e.stepsPerSecond), "target ≥ 5,000");
  line("raw SQLite update tx/s (same settings)", fmt(e.rawUpdatesPerSecond));
  line("ratio steps/s ÷ raw tx/s", fmt(e.stepsPerSecond / e.rawUpdatesPerSecond, 3));

  process.stdout.write("\n2. Remote throughput (SDK agents over HTTP, 2,000 steps)\n");
  const r = await remoteThroughput();
  line("steps/s", fmt(r.stepsPerSecond));
  line("ratio remote ÷ engine", fmt(r.stepsPerSecond / e.stepsPerSecond, 3));

  process.stdout.write("\n3. Dispatch latency (dependency completes → waiting agent holds the lease, HTTP)\n");
  const d = await dispatchLatency();
  line("p50 ms", fmt(d.p50, 2));
  line("p99 ms", fmt(d.p99, 2), "target ≤ 5");

  process.stdout.write("\n4. Snapshot latency (plan query, 100 steps, 20 concurrent clients, HTTP)\n");
  const s = await snapshotLatency();
  line("p50 ms", fmt(s.p50, 2));
  line("p99 ms", fmt(s.p99, 2), "target ≤ 30");
  line("requests", fmt(s.n));
}
