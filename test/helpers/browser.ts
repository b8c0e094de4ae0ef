/**
 * The browser tier of the console's tests (test/console/): Debian's Chromium driven by
 * playwright-core (no browser download), headless, against a real gateway process.
 *
 * Without /usr/bin/chromium the tier is skipped with a notice on stderr, except under CI=true,
 * where it must run (.ci/run installs the package). Every page is watched: a request to
 * anywhere but the gateway, a failed request, a console error or an uncaught exception is
 * recorded, and `expectClean` fails the test on any of them. Screenshots of each view go to
 * test-output/console/ (ignored by git).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { describe, expect } from "vitest";
import { CHROMIUM, hasChromium } from "../../bench/chromium.js";
import { packageRoot } from "../../src/store/database.js";
import type { ServerProcess } from "./process.js";

export { CHROMIUM, launchBrowser } from "../../bench/chromium.js";
export const SCREENSHOTS = join(packageRoot(), "test-output", "console");

/** Whether the browser tier runs here; says why not on stderr, and refuses to skip under CI. */
function browserTier(): boolean {
  if (hasChromium()) return true;
  const why = `no Chromium at ${CHROMIUM} (Debian package chromium)`;
  if (process.env["CI"] === "true") throw new Error(`${why}: CI=true needs the console's browser tests`);
  process.stderr.write(`\n  NOTICE: the console's browser tests are skipped: ${why}\n\n`);
  return false;
}

/** `describe` for browser tests: skipped (with the notice) where no Chromium is installed. */
export const describeBrowser: typeof describe = browserTier() ? describe : (describe.skip as typeof describe);

/** What a watched page did that a clean run must not. */
export interface PageRecord {
  /** Every URL asked for (requests and WebSockets), in order. */
  urls: string[];
  outside: string[];
  failed: string[];
  errors: string[];
}

/**
 * A new browser context whose pages are watched. `origin` is the gateway's (http://127.0.0.1:N):
 * anything else asked for counts as outside, but data: URLs (inline images in stylesheets).
 */
export async function watchedContext(browser: Browser, origin: string): Promise<{ context: BrowserContext; page: Page; record: PageRecord }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const record: PageRecord = { urls: [], outside: [], failed: [], errors: [] };
  const wsOrigin = origin.replace(/^http/, "ws");
  const note = (url: string) => {
    record.urls.push(url);
    if (!url.startsWith(`${origin}/`) && !url.startsWith(`${wsOrigin}/`) && !url.startsWith("data:")) record.outside.push(url);
  };
  const watch = (page: Page) => {
    page.on("request", (r) => note(r.url()));
    page.on("websocket", (ws) => note(ws.url()));
    page.on("requestfailed", (r) => record.failed.push(`${r.url()}: ${r.failure()?.errorText ?? "failed"}`));
    page.on("console", (m) => {
      if (m.type() === "error") record.errors.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => record.errors.push(`uncaught: ${e.message}`));
  };
  context.on("page", watch);
  const page = await context.newPage();
  return { context, page, record };
}

/**
 * Fails on any outside request, failed request, console error or uncaught exception. A GraphQL
 * read the page cancelled itself (net::ERR_ABORTED: a newer read of the same view replaced it, or
 * the view closed) is not a failure; a test may allow more (`allowFailed`), e.g. requests refused
 * while its gateway was down.
 */
export function expectClean(record: PageRecord, allowErrors: RegExp[] = [], allowFailed: RegExp[] = []): void {
  expect(record.outside, "requests that left the gateway").toEqual([]);
  const allowedFailures = [/\/graphql: net::ERR_ABORTED$/, ...allowFailed];
  expect(record.failed.filter((f) => !allowedFailures.some((re) => re.test(f))), "failed requests").toEqual([]);
  expect(record.errors.filter((e) => !allowErrors.some((re) => re.test(e))), "console errors").toEqual([]);
  expect(record.urls.length).toBeGreaterThan(0);
}

/** Signs the console in with a token through its form and waits for the plans list. */
export async function signIn(page: Page, base: string, secret: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel("API token").fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Plans" }).waitFor();
}

/** The token the console keeps in the page's sessionStorage, or null. */
export function storedToken(page: Page): Promise<string | null> {
  return page.evaluate("sessionStorage.getItem('baton.token')");
}

/** Resolves once a WebSocket of the page has had its connection acknowledged (graphql-ws). */
export function socketAcknowledged(page: Page): Promise<void> {
  return new Promise((resolve) =>
    page.on("websocket", (ws) =>
      ws.on("framereceived", (frame) => {
        if (String(frame.payload).includes('"connection_ack"')) resolve();
      }),
    ),
  );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** An agent process of one role that finishes or fails a step when told (fixtures/gated-agent.mjs). */
export interface GatedAgent {
  started: (stepKey: string) => Promise<void>;
  finish(stepKey: string): void;
  fail(stepKey: string): void;
  /** A heartbeat of the running step with this progress (0..1) and message; resolves once the gateway took it. */
  progress(stepKey: string, fraction: number, message: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startGatedAgent(url: string, role: string, token: string | null): Promise<GatedAgent> {
  const script = join(packageRoot(), "test", "console", "fixtures", "gated-agent.mjs");
  const child: ChildProcess = spawn(process.execPath, [script, url, role], {
    env: { ...process.env, ...(token ? { BATON_TOKEN: token } : {}) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const seen = new Set<string>();
  const waiters = new Map<string, () => void>();
  const beats = new Map<string, () => void>();
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const [what, , key] = line.split(" ");
      if (what === "ready") resolve();
      if (what === "start" && key) {
        seen.add(key);
        waiters.get(key)?.();
      }
      if (what === "progress") beats.get(line.split(" ")[1]!)?.();
    });
    child.once("exit", (code) => reject(new Error(`the agent exited with ${code}: ${stderr}`)));
  });
  await ready;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    started: (key) => (seen.has(key) ? Promise.resolve() : new Promise<void>((resolve) => waiters.set(key, resolve))),
    finish: (key) => void child.stdin!.write(`finish ${key}\n`),
    fail: (key) => void child.stdin!.write(`fail ${key}\n`),
    progress: (key, fraction, message) =>
      new Promise<void>((resolve) => {
        beats.set(key, resolve);
        child.stdin!.write(`progress ${key} ${fraction} ${message}\n`);
      }),
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** One GraphQL POST to the gateway with a token; throws on errors. */
export async function gql<T = Record<string, unknown>>(url: string, token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join("; ")}`);
  return body.data!;
}

/** Ends what a browser test started: the browser, then its agent (if any), then its gateway. */
export async function tearDown(browser: Browser | undefined, agent: GatedAgent | null | undefined, server: ServerProcess | null | undefined): Promise<void> {
  await browser?.close();
  await agent?.stop();
  server?.child.kill("SIGTERM");
  await server?.exited;
}
