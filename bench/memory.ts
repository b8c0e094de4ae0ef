/**
 * Memory with many active plans: a gateway process of its own (`baton serve`, dist/) is given
 * PLANS running plans of STEPS steps each (a chain: one READY step per plan, nobody claims it),
 * created over HTTP in documents of 50 createPlan aliases; its resident set size (VmRSS) is read
 * from /proc before the first plan and once they are all created, with the most it held
 * meanwhile (VmHWM).
 */
import { readFileSync } from "node:fs";
import { Agent } from "node:http";
import { benchDatabase, type Backend } from "./backends.js";
import { serveProcess } from "./gateway.js";
import { postJson } from "./http.js";

export interface MemoryFigures {
  /** Resident set size (MB) once listening, before any plan. */
  idleMb: number;
  /** Resident set size (MB) with every plan created and running. */
  activeMb: number;
  /** The most the process held meanwhile (VmHWM, MB). */
  peakMb: number;
  plans: number;
  steps: number;
}

const kb = (pid: number, field: "VmRSS" | "VmHWM"): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
const mb = (k: number): number => k / 1024;

export async function memoryWithActivePlans(backend: Backend = "sqlite", plans = 10_000, steps = 20): Promise<MemoryFigures> {
  const db = benchDatabase(backend);
  const server = serveProcess({ BATON_AUTH: "off", BATON_PORT: "0", ...db.env });
  const http = new Agent({ keepAlive: true, maxSockets: 4 });
  try {
    const { url } = await server.listening;
    const pid = server.child.pid!;
    const idle = kb(pid, "VmRSS");
    const chain = Array.from({ length: steps }, (_, k) => ({ key: `s${k}`, role: "memory.nobody", input: { n: k }, ...(k ? { dependsOn: [`s${k - 1}`] } : {}) }));
    const batches: number[][] = [];
    for (let b = 0; b < plans; b += 50) batches.push(Array.from({ length: Math.min(50, plans - b) }, (_, k) => b + k));
    // Four documents in flight at a time.
    for (let i = 0; i < batches.length; i += 4) {
      await Promise.all(
        batches.slice(i, i + 4).map((batch) => {
          const vars = Object.fromEntries(batch.map((p) => [`p${p}`, { name: `memory ${p}`, steps: chain }]));
          const query = `mutation(${batch.map((p) => `$p${p}: CreatePlanInput!`).join(", ")}) { ${batch.map((p) => `p${p}: createPlan(input: $p${p}) { id }`).join(" ")} }`;
          return postJson<{ errors?: unknown[] }>(url, JSON.stringify({ query, variables: vars }), http).then((r) => {
            if (r.errors) throw new Error(`createPlan refused: ${JSON.stringify(r.errors).slice(0, 300)}`);
          });
        }),
      );
    }
    return { idleMb: mb(idle), activeMb: mb(kb(pid, "VmRSS")), peakMb: mb(kb(pid, "VmHWM")), plans, steps };
  } finally {
    http.destroy();
    server.child.kill("SIGTERM");
    await server.exited;
    await db.drop();
  }
}
