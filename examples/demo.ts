#!/usr/bin/env node
/**
 * `npm run demo`: the whole loop on one machine, in under a minute.
 *
 * 1. starts a gateway in this process (temp database, free port);
 * 2. spawns the example agents (./agents.ts) as a separate node process pointed at it;
 * 3. creates the website plan (./website-plan.ts) with the client;
 * 4. subscribes to the plan's signals from sequence 0 and prints each as it arrives;
 * 5. prints the plan's result once it completes (or its error if it fails);
 * 6. stops the agents and the gateway, and exits 0 (1 on failure or after 60 s).
 */
import "reflect-metadata";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, CreatePlanDocument, CreateTokenDocument, GetPlanDocument, ListAgentsDocument, SignalsDocument, type BatonClient, type SignalFieldsFragment } from "../src/client/index.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { createApp } from "../src/server/app.js";
import { websitePlan } from "./website-plan.js";

const DEADLINE_MS = 60_000;
const GOAL = "A portfolio website with a blog for a furniture maker";

/** Lines from a child stream, prefixed. */
function relay(stream: NodeJS.ReadableStream | null, prefix: string): void {
  let rest = "";
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const l of lines) process.stdout.write(`${prefix}${l}\n`);
  });
}

/** Resolves when the child has exited; SIGKILLs it if SIGTERM is not enough within 5 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(force);
}

/** Agent ids → names, refreshed when an unknown id shows up. */
function agentNames(client: BatonClient): (id: string) => Promise<string> {
  const names = new Map<string, string>();
  return async (id) => {
    if (!id.startsWith("agt") || names.has(id)) return names.get(id) ?? id;
    const { agents } = await client.request(ListAgentsDocument, {});
    for (const a of agents) names.set(a.id, a.name);
    return names.get(id) ?? id;
  };
}

/** One readable line per signal: sequence, kind, step, sender and the gist of the payload. */
function describeSignal(s: SignalFieldsFragment, sender: string): string {
  const p = (s.payload ?? {}) as Record<string, unknown>;
  const gist: string[] = [];
  if (typeof p["attempt"] === "number") gist.push(`attempt ${p["attempt"]}`);
  if (typeof p["progress"] === "number") gist.push(`${Math.round(p["progress"] * 100)}%`);
  if (typeof p["message"] === "string") gist.push(p["message"]);
  if (typeof p["quality"] === "number") gist.push(`quality ${p["quality"]}`);
  if (typeof p["delayMs"] === "number") gist.push(`retry in ${p["delayMs"]} ms`);
  const error = p["error"] as { message?: string } | undefined;
  if (error?.message) gist.push(`error: ${error.message}`);
  const seq = `#${s.sequence}`.padStart(5);
  return `${seq}  ${s.kind.padEnd(20)} ${(s.stepKey ?? "-").padEnd(7)} by ${sender.padEnd(18)} ${gist.join(", ")}`.trimEnd();
}

async function run(url: string, client: BatonClient): Promise<boolean> {
  const { createPlan } = await client.request(CreatePlanDocument, { input: websitePlan(GOAL) });
  process.stdout.write(`\nplan ${createPlan.id} "${createPlan.name}" created: ${GOAL}\nsignals (${url.replace(/^http/, "ws")}):\n`);
  const nameOf = agentNames(client);
  for await (const { signals: s } of client.subscribe(SignalsDocument, { planId: createPlan.id, afterSequence: 0 })) {
    process.stdout.write(`${describeSignal(s, await nameOf(s.sender))}\n`);
    if (s.kind === "PLAN_COMPLETED" || s.kind === "PLAN_FAILED" || s.kind === "PLAN_CANCELLED") break;
  }
  const { plan } = await client.request(GetPlanDocument, { id: createPlan.id });
  if (plan?.state !== "COMPLETED") {
    process.stdout.write(`\nplan ended ${plan?.state}: ${plan?.error?.message ?? "no error recorded"}\n`);
    return false;
  }
  process.stdout.write(`\nplan COMPLETED; result (the review):\n${JSON.stringify(plan.result, null, 2)}\n`);
  for (const step of plan.steps) process.stdout.write(`  ${step.key.padEnd(7)} ${step.state} after ${step.attempts} attempt(s)${step.quality == null ? "" : `, quality ${step.quality}`}\n`);
  return true;
}

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "baton-demo-"));
  const config = loadConfig({ BATON_PORT: "0", BATON_DB: join(dir, "baton.db"), BATON_LOG_LEVEL: "warn" });
  const app = await createApp(config, { logger: createLogger(config) });
  let child: ChildProcess | null = null;
  let client: BatonClient | null = null;
  let timer: NodeJS.Timeout | undefined;
  try {
    const { url, adminTokenFile } = await app.start();
    process.stdout.write(`gateway listening on ${url} (database ${config.dbFile}; admin token in ${adminTokenFile})\n`);
    // The admin token the first start wrote: it makes the demo's operator client and an agent token.
    client = createClient({ url, token: readFileSync(adminTokenFile!, "utf8").trim() });
    const { createToken } = await client.request(CreateTokenDocument, { input: { name: "example-agents", role: "AGENT" } });
    child = spawn(process.execPath, [fileURLToPath(new URL("./agents.js", import.meta.url)), url], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, BATON_TOKEN: createToken.token },
    });
    relay(child.stdout, "  | ");
    relay(child.stderr, "  | ");
    const childExit = new Promise<never>((_, reject) =>
      child!.once("exit", (code, signal) => reject(new Error(`agents process exited early (${signal ?? code})`))),
    );
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the demo took longer than ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
    });
    childExit.catch(() => undefined);
    return (await Promise.race([run(url, client), deadline, childExit])) ? 0 : 1;
  } catch (e) {
    process.stderr.write(`demo failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    clearTimeout(timer);
    process.stdout.write("\nstopping the agents and the gateway\n");
    if (child) await stopChild(child);
    await client?.close();
    await app.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`demo failed: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
