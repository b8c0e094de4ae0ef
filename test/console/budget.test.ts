/**
 * What the built console costs a browser (dist/console, from `npm run build`): the JavaScript a
 * first visit loads (the entry script and the modules it preloads) stays within 350 KB gzipped.
 * GraphiQL's, loaded only at /graphql, is measured and printed, not bounded.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { CONSOLE_DIR } from "../../src/server/console.js";

const BUDGET_BYTES = 350 * 1024;

/** The scripts a page loads at once: its module script and its modulepreload links. */
function initialScripts(page: string): string[] {
  const html = readFileSync(join(CONSOLE_DIR, page), "utf8");
  const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g), ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
  return [...new Set(scripts)];
}

const gzipped = (urlPath: string) => gzipSync(readFileSync(join(CONSOLE_DIR, urlPath)), { level: 9 }).length;

describe("the built console", () => {
  it("is built (npm run build)", () => {
    expect(existsSync(join(CONSOLE_DIR, "index.html")), `${CONSOLE_DIR}/index.html`).toBe(true);
  });

  it("loads at most 350 KB of gzipped JavaScript on a first visit, from the gateway only", () => {
    const scripts = initialScripts("index.html");
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(s).toMatch(/^\/assets\/[\w.-]+\.js$/);
    const total = scripts.reduce((n, s) => n + gzipped(s), 0);
    const graphiql = initialScripts("graphiql.html").reduce((n, s) => n + gzipped(s), 0);
    process.stdout.write(`console initial JavaScript: ${(total / 1024).toFixed(1)} KB gzipped (${scripts.length} files); GraphiQL's: ${(graphiql / 1024).toFixed(1)} KB\n`);
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it("names nothing outside the gateway in its pages", () => {
    for (const page of ["index.html", "graphiql.html"]) expect(readFileSync(join(CONSOLE_DIR, page), "utf8")).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
