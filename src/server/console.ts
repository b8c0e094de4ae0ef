/**
 * The web console and GraphiQL: the files Vite built from console/ into dist/console, served by
 * the gateway itself so that the pages work with no other server and no outside request.
 *
 * - Only files found in that folder when the gateway starts are served, by their exact URL path
 *   (a Map lookup): nothing a request says is joined to a file path, so no path escapes it.
 * - Hashed assets (/assets/…) are immutable: cached a year. The HTML pages are `no-cache`
 *   (revalidated by ETag) and carry a strict Content-Security-Policy: scripts, styles, fonts,
 *   workers and requests from the gateway's own origin only, plus its WebSocket for
 *   subscriptions.
 * - Each text asset was compressed at build (gzip and brotli, console/vite.config.ts): the best
 *   one the client accepts is sent as it is, never compressed per request.
 * - The console's own routes (/, /plans, /plans/<id>, /signin, /agents, /templates, /webhooks,
 *   /tokens, /limits) answer its HTML, which routes in
 *   the browser; GET /graphql asked for as HTML answers GraphiQL's page (./http.ts).
 * - /console.json tells the console whether the gateway asks for a token, so that with
 *   authentication off it asks for none, and with it on it asks before any request is refused.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream";
import { packageRoot } from "../store/database.js";

/** Where `npm run build` writes the console (console/vite.config.ts). */
export const CONSOLE_DIR = join(packageRoot(), "dist", "console");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
};

/** Encodings written beside a file at build, best first, with the suffix of their file. */
const ENCODINGS = [
  { name: "br", suffix: ".br" },
  { name: "gzip", suffix: ".gz" },
] as const;

type Encoding = (typeof ENCODINGS)[number]["name"];

interface Asset {
  file: string;
  type: string;
  size: number;
  /** Compressed copies written at build, by encoding: their file and size. */
  encoded: Partial<Record<Encoding, { file: string; size: number }>>;
  immutable: boolean;
  etag: string;
}

/** The console's other pages (console/src/pages/). */
const CONSOLE_PAGES = new Set(["/agents", "/templates", "/webhooks", "/tokens", "/limits"]);

/** The console's routes answered with its HTML page (the browser routes them). */
export function isConsoleRoute(path: string): boolean {
  return path === "/" || path === "/signin" || path === "/plans" || /^\/plans\/[^/]+$/.test(path) || CONSOLE_PAGES.has(path);
}

/**
 * Whether a GET prefers HTML to JSON, as a browser's address bar asks (`text/html` before or
 * above `application/json`): then /graphql answers GraphiQL. A client that asks for JSON, or
 * says nothing, gets GraphQL as before.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = -1;
  let json = -1;
  let htmlAt = Infinity;
  let jsonAt = Infinity;
  accept.split(",").forEach((part, i) => {
    const [type, ...params] = part.trim().toLowerCase().split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) return;
    if (type === "text/html" && q > html) [html, htmlAt] = [q, i];
    if ((type === "application/json" || type === "application/graphql-response+json") && q > json) [json, jsonAt] = [q, i];
  });
  if (html <= 0) return false;
  return html > json || (html === json && htmlAt < jsonAt);
}

/** The best pre-compressed encoding the request accepts among those written, or null. */
export function pickEncoding(acceptEncoding: string | undefined, available: readonly Encoding[]): Encoding | null {
  if (!acceptEncoding || available.length === 0) return null;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    accepted.set(name!, qParam ? Number(qParam.slice(2)) : 1);
  }
  const star = accepted.get("*");
  for (const { name } of ENCODINGS) {
    if (!available.includes(name)) continue;
    const q = accepted.get(name) ?? star ?? 0;
    if (q > 0) return name;
  }
  return null;
}

/**
 * The Content-Security-Policy of a page served from `host` (the request's Host, checked): every
 * source is the gateway itself, and its WebSocket on the same host for subscriptions.
 * Styles allow inline `<style>` elements only on GraphiQL's page, whose editor (Monaco) writes
 * its theme into one at run time; the console needs none. (A page and its dynamic imports
 * come from 'self'; 'self' does not cover WebSockets in every browser, hence the ws origins.)
 */
export function contentSecurityPolicy(host: string | undefined, page: "console" | "graphiql"): string {
  const safeHost = host !== undefined && /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(host) ? host : null;
  const sockets = safeHost ? ` ws://${safeHost} wss://${safeHost}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    page === "graphiql" ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    // GraphiQL's stylesheet carries its fonts inline as data: URLs.
    page === "graphiql" ? "font-src 'self' data:" : "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Every file under `dir`, keyed by its URL path (`/assets/index-1a2b.js`). */
function indexFolder(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(folder, d.name)) : d.isFile() ? [join(folder, d.name)] : []));
  const files = walk(dir);
  const present = new Set(files);
  for (const file of files) {
    if (ENCODINGS.some((e) => file.endsWith(e.suffix))) continue;
    const urlPath = "/" + relative(dir, file).split(sep).join("/");
    const encoded: Asset["encoded"] = {};
    for (const { name, suffix } of ENCODINGS) {
      if (present.has(file + suffix)) encoded[name] = { file: file + suffix, size: statSync(file + suffix).size };
    }
    const immutable = urlPath.startsWith("/assets/");
    const size = statSync(file).size;
    // Hashed assets are named by their content; the pages are small and read once for their tag.
    // Weak: the same tag stands for each encoding of the file.
    const etag = immutable ? `W/"${urlPath.slice(8)}"` : `W/"${createHash("sha256").update(readFileSync(file)).digest("base64url").slice(0, 27)}"`;
    assets.set(urlPath, { file, type: CONTENT_TYPES[extname(file)] ?? "application/octet-stream", size, encoded, immutable, etag });
  }
  return assets;
}

function notFound(res: ServerResponse, message: string): void {
  res.writeHead(404, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }).end(JSON.stringify({ error: message }));
}

export interface ConsoleSettings {
  /** Whether requests need a token (BATON_AUTH). */
  auth: boolean;
}

export class ConsoleFiles {
  private constructor(
    private readonly assets: Map<string, Asset> | null,
    private readonly settings: ConsoleSettings,
  ) {}

  /** Indexes the built console in `dir`; a gateway built without it (tsc alone) says so on its pages. */
  static open(settings: ConsoleSettings, dir: string = CONSOLE_DIR): ConsoleFiles {
    return new ConsoleFiles(existsSync(join(dir, "index.html")) ? indexFolder(dir) : null, settings);
  }

  /** Whether the console was built (dist/console/index.html exists). */
  get built(): boolean {
    return this.assets !== null;
  }

  /** Whether `path` is one of the console's files or routes. */
  handles(path: string): boolean {
    return isConsoleRoute(path) || path === "/console.json" || path === "/favicon.ico" || (this.assets?.has(path) ?? false) || path.startsWith("/assets/");
  }

  /** The icon's hashed file, also served as /favicon.ico (asked for by pages that name none, such as a JSON answer). */
  private get favicon(): string | null {
    for (const path of this.assets?.keys() ?? []) if (/^\/assets\/favicon-[\w-]+\.svg$/.test(path)) return path;
    return null;
  }

  /** Answers a GET or HEAD of a console route or file (`handles(path)` was true). */
  serve(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (isConsoleRoute(path)) return this.page(req, res, "/index.html", "console");
    if (path === "/console.json") {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" });
      res.end(JSON.stringify({ auth: this.settings.auth ? "on" : "off" }));
      return;
    }
    if (path === "/favicon.ico") return this.file(req, res, this.favicon ?? path, "public, max-age=86400");
    return this.file(req, res, path);
  }

  /** GraphiQL's page, for GET /graphql asked for as HTML. */
  graphiql(req: IncomingMessage, res: ServerResponse): void {
    this.page(req, res, "/graphiql.html", "graphiql");
  }

  private page(req: IncomingMessage, res: ServerResponse, file: string, kind: "console" | "graphiql"): void {
    if (!this.assets) {
      res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
      res.end("The Baton console is not built: run `npm run build` (npm ci does it), then restart the gateway.\n");
      return;
    }
    res.setHeader("content-security-policy", contentSecurityPolicy(req.headers.host, kind));
    res.setHeader("referrer-policy", "no-referrer");
    res.setHeader("x-frame-options", "DENY");
    this.file(req, res, file);
  }

  private file(req: IncomingMessage, res: ServerResponse, path: string, cacheControl?: string): void {
    const asset = this.assets?.get(path);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "application/json; charset=utf-8" }).end(JSON.stringify({ error: "the console's files are read with GET" }));
      return;
    }
    if (!asset) return notFound(res, this.assets ? `not found: ${path.slice(0, 200)}` : "the Baton console is not built: run `npm run build`");
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("cache-control", cacheControl ?? (asset.immutable ? "public, max-age=31536000, immutable" : "no-cache"));
    res.setHeader("etag", asset.etag);
    if (Object.keys(asset.encoded).length > 0) res.setHeader("vary", "Accept-Encoding");
    if (req.headers["if-none-match"] === asset.etag) {
      res.writeHead(304).end();
      return;
    }
    const encoding = pickEncoding(req.headers["accept-encoding"], Object.keys(asset.encoded) as Encoding[]);
    const body = encoding ? asset.encoded[encoding]! : asset;
    res.writeHead(200, { "content-type": asset.type, "content-length": body.size, ...(encoding ? { "content-encoding": encoding } : {}) });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    pipeline(createReadStream(body.file), res, () => undefined); // a client gone mid-file: nothing to do
  }
}
