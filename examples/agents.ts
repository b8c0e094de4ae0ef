#!/usr/bin/env node
/**
 * Three example agents for the website plan (./website-plan.ts), in one process:
 *
 *   node dist/examples/agents.js <graphqlUrl> [--verbose]
 *
 * The work is fake and deterministic: the product manager writes a spec from the goal, the
 * coder writes one file per page of the spec (reporting progress), the reviewer checks the
 * files and returns a verdict with a quality score. Each reads its predecessor's output from
 * the plan. SIGTERM or SIGINT stops claiming, lets running steps finish, then exits 0.
 */
import { setTimeout as pause } from "node:timers/promises";
import {
  consoleLogger,
  createAgent,
  GetPlanDocument,
  silentLogger,
  withQuality,
  type BatonAgent,
  type TaskContext,
} from "../src/client/index.js";
import { WEBSITE_ROLES, WEBSITE_STEPS } from "./website-plan.js";

interface Spec {
  goal: string;
  pages: string[];
  requirements: string[];
}

interface Code {
  files: Record<string, string>;
}

/** A predecessor's output, read from the plan. */
async function outputOf<T>(task: TaskContext, stepKey: string): Promise<T> {
  const { plan } = await task.client.request(GetPlanDocument, { id: task.lease.planId });
  const step = plan?.steps.find((s) => s.key === stepKey);
  if (step?.state !== "SUCCEEDED") throw Object.assign(new Error(`step ${stepKey} has no output yet`), { type: "MISSING_INPUT" });
  return step.output as T;
}

/** product-manager: the pages and requirements the goal calls for. */
async function writeSpec(task: TaskContext): Promise<Spec> {
  const goal = String((task.lease.input as { goal?: unknown } | null)?.goal ?? "a website");
  const pages = ["home", "about", "contact"];
  if (/blog|news/i.test(goal)) pages.push("blog");
  if (/shop|store|sell/i.test(goal)) pages.push("shop");
  await pause(100, undefined, { signal: task.signal });
  return { goal, pages, requirements: ["responsive layout", "accessible navigation", `states the goal: ${goal}`] };
}

/** coder: one HTML file per page, reporting progress after each. */
async function writeCode(task: TaskContext): Promise<Code> {
  const spec = await outputOf<Spec>(task, WEBSITE_STEPS.spec);
  const files: Record<string, string> = {};
  for (const [i, page] of spec.pages.entries()) {
    await pause(80, undefined, { signal: task.signal });
    files[`${page}.html`] = `<!doctype html><title>${page}</title><nav>${spec.pages.join(" | ")}</nav><h1>${page}</h1><p>${spec.goal}</p>`;
    await task.progress((i + 1) / spec.pages.length, `wrote ${page}.html`);
  }
  return { files };
}

/** reviewer: every page present and linked; quality grows with the pages covered. */
async function review(task: TaskContext) {
  const [spec, code] = await Promise.all([outputOf<Spec>(task, WEBSITE_STEPS.spec), outputOf<Code>(task, WEBSITE_STEPS.code)]);
  await pause(100, undefined, { signal: task.signal });
  const missing = spec.pages.filter((p) => !code.files[`${p}.html`]);
  const comments = missing.length ? missing.map((p) => `missing ${p}.html`) : ["all pages present", "navigation links every page"];
  const quality = Math.round((0.8 + 0.04 * Math.min(spec.pages.length, 5) - 0.2 * missing.length) * 100) / 100;
  return withQuality({ approved: missing.length === 0, pages: Object.keys(code.files), comments }, Math.max(0, quality));
}

async function main(argv: string[]): Promise<void> {
  const url = argv.find((a) => !a.startsWith("--"));
  if (!url) {
    process.stderr.write("usage: BATON_TOKEN=<agent token> node dist/examples/agents.js <graphqlUrl> [--verbose]\n");
    process.exit(2);
  }
  const logger = argv.includes("--verbose") ? consoleLogger("agents") : silentLogger;
  const token = process.env["BATON_TOKEN"]; // an agent token (baton token create --role agent)
  const agents: BatonAgent[] = [
    createAgent({ url, token, logger, name: "product-manager-1", roles: [WEBSITE_ROLES.productManager], handler: writeSpec }),
    createAgent({ url, token, logger, name: "coder-1", roles: [WEBSITE_ROLES.coder], concurrency: 2, handler: writeCode }),
    createAgent({ url, token, logger, name: "reviewer-1", roles: [WEBSITE_ROLES.reviewer], handler: review }),
  ];
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`agents: ${signal}, stopping\n`);
    Promise.all(agents.map((a) => a.stop())).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  try {
    const ids = await Promise.all(agents.map((a) => a.ready));
    process.stdout.write(`agents: ready (${ids.join(", ")})\n`);
  } catch (e) {
    process.stderr.write(`agents: registration failed: ${(e as Error).message}\n`);
    await Promise.all(agents.map((a) => a.stop()));
    process.exit(1);
  }
}

void main(process.argv.slice(2));
