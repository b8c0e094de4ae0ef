/**
 * Section 13: the web console in Debian's Chromium (playwright-core, headless) against a real
 * `baton serve` process (BATON_AUTH=off, a new SQLite file), on one plan of 500 steps: 20 layers
 * of 25, each step after 1 or 2 steps of the layer before; layers 0-5 run by builtin.echo
 * (SUCCEEDED), 12 steps of layer 6 held by an agent (RUNNING), the rest of it READY, the others
 * PENDING.
 *
 * - Interactive: from `page.goto('/plans/<id>')` until the graph holds all 500 step nodes and
 *   all its edges, every node shown (React Flow hides a node whose size it does not know yet),
 *   and a click on a step on screen has opened its step panel (the panel's heading names the step).
 *   Timed in this process around Playwright's calls, so its round trips (a few ms) count.
 *   Cold: each load in a new browser context (empty HTTP cache); warm: new pages of one context
 *   whose cache a first, untimed load filled.
 * - Display lag: the page open on its Signals tab (the live tail), sendSignal is called over
 *   HTTP 200 times a second for 10 s (the calls due every 2 ms timer tick, not waiting for each
 *   other). Per signal: from its `at` (taken by the gateway in the transaction that commits it)
 *   to the moment its row enters the tail's DOM (a MutationObserver in the page; same machine,
 *   so same wall clock). Dropped: a signal sent whose row never appeared.
 */
import { Agent } from "node:http";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser } from "./chromium.js";
import { tempDbFile } from "./fixtures.js";
import { serveProcess } from "./gateway.js";
import { postJson } from "./http.js";
import { summary } from "./stats.js";

const LAYERS = 20;
const WIDTH = 25;
const ECHO_LAYERS = 6;
const HELD = 12;
const ROLE = "bench.console";
const VIEWPORT = { width: 1280, height: 860 };

export interface ConsoleFigures {
  steps: number;
  edges: number;
  /** Interactive, ms: each cold load, then each warm one. */
  cold: number[];
  warm: number[];
  /** From goto to the graph drawn (before the click), ms, cold loads. */
  coldGraph: number[];
  lag: { p50: number; p99: number; max: number; n: number };
  /** Commit (`at`) to sendSignal's response in this process, ms. */
  response: { p50: number; p99: number };
  sent: number;
  sentPerSecond: number;
  dropped: number;
  /** GraphQL requests the page made while the signals were sent. */
  pageReads: number;
}

const key = (layer: number, i: number): string => `s${String(layer).padStart(2, "0")}_${String(i).padStart(2, "0")}`;

/** The plan's steps: each after the step of its lane in the layer before and, for two lanes in three, another one of it. */
export function consolePlanSteps(): { steps: Record<string, unknown>[]; edges: number } {
  const steps: Record<string, unknown>[] = [];
  let edges = 0;
  for (let l = 0; l < LAYERS; l++) {
    for (let i = 0; i < WIDTH; i++) {
      const deps = l === 0 ? [] : [...new Set([key(l - 1, i), ...(i % 3 === 0 ? [] : [key(l - 1, (i * 7 + 3) % WIDTH)])])];
      edges += deps.length;
      steps.push({ key: key(l, i), role: l < ECHO_LAYERS ? "builtin.echo" : ROLE, dependsOn: deps, input: { layer: l, lane: i } });
    }
  }
  return { steps, edges };
}

export async function consoleScenario(seconds = 10, rate = 200, loads = 5): Promise<ConsoleFigures> {
  const db = tempDbFile();
  const server = serveProcess({ BATON_AUTH: "off", BATON_PORT: "0", BATON_DB: db });
  let browser: Browser | null = null;
  try {
    const url = (await server.listening).url;
    const base = url.replace(/\/graphql$/, "");
    const http = new Agent({ keepAlive: true, maxSockets: 16 });
    const gql = <T>(query: string, variables: Record<string, unknown>) => postJson<T>(url, JSON.stringify({ query, variables }), http);
    const { planId, edges } = await setUp(gql);
    browser = await launchBrowser();
    const open = (context: BrowserContext) => openInteractive(context, base, planId, edges);

    const cold: number[] = [];
    const coldGraph: number[] = [];
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext({ viewport: VIEWPORT });
      const t = await open(context);
      cold.push(t.interactiveMs);
      coldGraph.push(t.graphMs);
      await context.close();
    }
    const warm: number[] = [];
    const context = await browser.newContext({ viewport: VIEWPORT });
    await (await open(context)).page.close(); // fills the cache
    for (let i = 0; i < loads; i++) {
      const t = await open(context);
      warm.push(t.interactiveMs);
      await t.page.close();
    }
    await context.close();

    const lagContext = await browser.newContext({ viewport: VIEWPORT });
    const { page } = await open(lagContext);
    const lag = await displayLag(page, planId, gql, seconds, rate);
    await lagContext.close();
    http.destroy();
    return { steps: LAYERS * WIDTH, edges, cold, warm, coldGraph, ...lag };
  } finally {
    await browser?.close();
    if (server.child.exitCode === null) server.child.kill("SIGTERM");
    await server.exited;
    rmSync(dirname(db), { recursive: true, force: true });
  }
}

type Gql = <T>(query: string, variables: Record<string, unknown>) => Promise<T>;

/** Creates the plan and brings it to its coloured state: echo layers done, 12 steps of layer 6 held. */
async function setUp(gql: Gql): Promise<{ planId: string; edges: number }> {
  const { steps, edges } = consolePlanSteps();
  const policy = { maxParallel: 50, heartbeatTimeoutMs: 3_600_000, stepTimeoutMs: 3_600_000 };
  const planId = (await gql<{ createPlan: { id: string } }>(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, { input: { name: "console bench: 500 steps", steps, policy } })).createPlan.id;
  const agentId = (await gql<{ registerAgent: { id: string } }>(`mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`, { input: { name: "console-bench", roles: [ROLE], concurrency: HELD } })).registerAgent.id;
  const claim = `mutation($input: ClaimStepsInput!) { claimSteps(input: $input) { id } }`;
  for (let held = 0; held < HELD; ) held += (await gql<{ claimSteps: unknown[] }>(claim, { input: { agentId, max: HELD - held, waitMs: 30_000 } })).claimSteps.length;
  // The rest of layer 6 becomes READY as the last echo steps finish: wait for that still state.
  const states = `query($id: ID!) { plan(id: $id) { steps { state } } }`;
  const want = ECHO_LAYERS * WIDTH;
  for (;;) {
    const { plan } = await gql<{ plan: { steps: { state: string }[] } }>(states, { id: planId });
    const count = (state: string) => plan.steps.filter((s) => s.state === state).length;
    if (count("SUCCEEDED") === want && count("READY") === WIDTH - HELD) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { planId, edges };
}

/** What the page functions below use of the page's globals (bench/ compiles without the DOM's types). */
interface PageElement {
  style: { visibility: string };
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { left: number; right: number; top: number; bottom: number };
}
interface PageGlobals {
  document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): ArrayLike<PageElement> };
  __batonSeen: Record<string, number>;
}

/**
 * The graph complete: every step node shown (React Flow hides one whose size it does not know)
 * and every edge drawn.
 * A function, not a string: the console's Content-Security-Policy forbids eval. Playwright sends
 * its source to the page, so it refers to nothing of this module.
 */
function graphDrawn({ steps, edges }: { steps: number; edges: number }): boolean {
  const { document } = globalThis as unknown as PageGlobals;
  const nodes = Array.from(document.querySelectorAll(".react-flow__node"));
  return nodes.length === steps && document.querySelectorAll(".react-flow__edge").length === edges && nodes.every((n) => n.style.visibility !== "hidden");
}

/**
 * A step whose box lies within the graph's frame: 500 steps do not fit it at the graph's least
 * zoom, so the step to click is one on screen, a RUNNING one if any.
 */
function stepOnScreen(): string | null {
  const { document } = globalThis as unknown as PageGlobals;
  const frame = document.querySelector('[data-testid="plan-graph"]')!.getBoundingClientRect();
  const inside = Array.from(document.querySelectorAll("[data-step]")).filter((n) => {
    const r = n.getBoundingClientRect();
    return r.left >= frame.left && r.right <= frame.right && r.top >= frame.top && r.bottom <= frame.bottom;
  });
  const pick = inside.find((n) => n.getAttribute("data-state") === "RUNNING") ?? inside[0];
  return pick?.getAttribute("data-step") ?? null;
}

async function openInteractive(context: BrowserContext, base: string, planId: string, edges: number): Promise<{ page: Page; graphMs: number; interactiveMs: number }> {
  const page = await context.newPage();
  const t0 = performance.now();
  await page.goto(`${base}/plans/${planId}`, { waitUntil: "commit" });
  await page.waitForFunction(graphDrawn, { steps: LAYERS * WIDTH, edges }, { polling: "raf", timeout: 30_000 });
  const graphMs = performance.now() - t0;
  const target = await page.evaluate(stepOnScreen);
  if (!target) throw new Error("no step of the graph is on screen");
  await page.locator(`[data-step="${target}"]`).click();
  await page.getByTestId("step-panel").getByRole("heading", { name: `Step ${target}` }).waitFor();
  return { page, graphMs, interactiveMs: performance.now() - t0 };
}

/** Records, in the page, when each row of the Signals tail first enters the DOM (wall clock, ms). */
const OBSERVE = `(() => {
  const seen = (window.__batonSeen = {});
  const note = (el, now) => {
    if (!el.closest('[data-testid="signals"]')) return;
    const s = el.getAttribute("data-sequence");
    if (!(s in seen)) seen[s] = now;
  };
  new MutationObserver((records) => {
    const now = Date.now();
    for (const r of records)
      for (const n of r.addedNodes) {
        if (!(n instanceof Element)) continue;
        if (n.matches("tr[data-sequence]")) note(n, now);
        for (const row of n.querySelectorAll("tr[data-sequence]")) note(row, now);
      }
  }).observe(document.body, { childList: true, subtree: true });
})()`;

async function displayLag(page: Page, planId: string, gql: Gql, seconds: number, rate: number): Promise<Pick<ConsoleFigures, "lag" | "response" | "sent" | "sentPerSecond" | "dropped" | "pageReads">> {
  await page.getByTestId("signals").waitFor();
  await page.evaluate(OBSERVE);
  let pageReads = 0;
  page.on("request", (r) => {
    if (r.url().endsWith("/graphql")) pageReads++;
  });
  const send = `mutation($input: SendSignalInput!) { sendSignal(input: $input) { sequence at } }`;
  const total = seconds * rate;
  const sent: Promise<{ sequence: number; at: number; response: number }>[] = [];
  const t0 = Date.now();
  while (sent.length < total) {
    const due = Math.min(total, Math.floor(((Date.now() - t0) * rate) / 1000) + 1);
    while (sent.length < due) {
      const i = sent.length;
      sent.push(gql<{ sendSignal: { sequence: number; at: string } }>(send, { input: { planId, name: "bench.tick", payload: { i } } }).then(({ sendSignal: s }) => ({ sequence: s.sequence, at: Date.parse(s.at), response: Date.now() })));
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const signals = await Promise.all(sent);
  const sentPerSecond = total / ((Date.now() - t0) / 1000);
  const last = Math.max(...signals.map((s) => s.sequence));
  await page.waitForFunction((sequence) => sequence in (globalThis as unknown as PageGlobals).__batonSeen, String(last), { timeout: 10_000 }).catch(() => undefined);
  const seen = (await page.evaluate("window.__batonSeen")) as Record<string, number>;
  const lags = signals.filter((s) => String(s.sequence) in seen).map((s) => seen[String(s.sequence)]! - s.at);
  const sorted = [...lags].sort((a, b) => a - b);
  const response = summary(signals.map((s) => s.response - s.at));
  return {
    lag: { ...summary(lags), max: sorted[sorted.length - 1] ?? NaN },
    response: { p50: response.p50, p99: response.p99 },
    sent: total,
    sentPerSecond,
    dropped: total - lags.length,
    pageReads,
  };
}
