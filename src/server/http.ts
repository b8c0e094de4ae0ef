/**
 * The HTTP side of the gateway, shaped like Apollo Server's own standalone server: a plain
 * node:http listener, body-parser for JSON bodies, and Apollo's executeHTTPGraphQLRequest.
 * (An express app in front of it cost about a third of a 100-step plan query.)
 */
import { HeaderMap, type ApolloServer } from "@apollo/server";
import bodyParser from "body-parser";
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { CorsOrigins } from "../config.js";
import type { Principal } from "../auth/tokens.js";
import type { Coordinator } from "../coordinator/coordinator.js";
import { isBatonError } from "../domain/errors.js";
import { ANONYMOUS, type Context } from "../graphql/context.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { rateLimitMessage, type Gate } from "./gate.js";
import { AUTH_REQUIRED, DocumentCode, type DocumentCheck } from "./documents.js";
import { callerOf, type RefusalLog } from "./refusals.js";
import { prefersHtml, type ConsoleFiles } from "./console.js";
import { describeStorageError } from "../store/storage-errors.js";

export interface HttpOptions {
  apollo: ApolloServer<Context>;
  coordinator: Coordinator;
  /** True once the database is open and migrated and the server listens, false while draining. */
  ready: () => boolean;
  logger: Logger;
  /** Largest request body accepted, in bytes (BATON_MAX_BODY_BYTES). */
  bodyLimit: number;
  /** Origins allowed cross-origin (BATON_CORS_ORIGINS); none: same origin only. */
  corsOrigins?: CorsOrigins;
  /** Authentication and the request budget per token. */
  gate: Gate;
  /** Served at /metrics when set (BATON_METRICS). */
  metrics?: Metrics | null;
  /** The first look at each document, before GraphQL validates it (./documents.ts). */
  documents: DocumentCheck;
  /** Where refusals for limits and policy are logged. */
  refusals: RefusalLog;
  /** The web console's pages and files, and GraphiQL's (./console.ts). */
  consoleFiles: ConsoleFiles;
}

/** Largest body of a request without a token: it may only ask for introspection. */
const ANONYMOUS_BODY_BYTES = 64 * 1024;

/**
 * Whether a POST's content-type is JSON (`application/json`, parameters such as charset
 * allowed). The others a page may send cross-site without a preflight (text/plain, form
 * encoding, multipart) or none at all are refused: Apollo's own CSRF prevention is off, so that
 * queries may come as GET (src/server/app.ts).
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(";", 1)[0]!.trim().toLowerCase() === "application/json";
}

export const NOT_JSON_MESSAGE =
  "a POST to /graphql must be JSON: send content-type: application/json (text/plain, form-encoded and multipart bodies are refused: a page on another site can send them without asking); queries may also be sent as GET";

/** The context of one HTTP request. */
class HttpContext implements Context {
  private closed: AbortSignal | null = null;

  readonly actor: string;

  constructor(
    readonly coordinator: Coordinator,
    readonly principal: Principal | null,
    private readonly res: ServerResponse,
  ) {
    this.actor = principal?.name ?? ANONYMOUS;
  }

  /** Aborted when the connection closes. Made on first use (long-polling claims): it costs. */
  get signal(): AbortSignal {
    if (!this.closed) {
      const controller = new AbortController();
      if (this.res.closed) controller.abort();
      else this.res.once("close", () => controller.abort());
      this.closed = controller.signal;
    }
    return this.closed;
  }
}

type Body = IncomingMessage & { body?: unknown };

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(value));
}

/** The request's Origin when BATON_CORS_ORIGINS lets it call cross-origin, else null. */
function corsOrigin(headers: IncomingHttpHeaders, allowed: CorsOrigins): string | null {
  const origin = headers.origin;
  if (origin === undefined) return null;
  return allowed === "*" || allowed.includes(origin) ? origin : null;
}

/**
 * Whether a request from a browser page may open a WebSocket: no Origin (not a browser), the
 * same origin as the Host it asks, or one of BATON_CORS_ORIGINS. The CORS check of WebSockets,
 * which browsers do not make themselves (cross-site WebSocket hijacking).
 */
export function webSocketOriginAllowed(headers: IncomingHttpHeaders, allowed: CorsOrigins): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (corsOrigin(headers, allowed) !== null) return true;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}

/** Headers a cross-origin page may send when none are named in its preflight. */
const ALLOWED_HEADERS = "content-type, apollo-require-preflight, x-apollo-operation-name, x-baton-actor, x-request-id, authorization";

/**
 * CORS for /graphql. Same origin only by default: no CORS headers, and preflights are refused
 * (403). With BATON_CORS_ORIGINS, an allowed origin gets Access-Control-Allow-Origin and its
 * preflight (OPTIONS) is answered 204. Returns true when the request was answered.
 */
function cors(req: IncomingMessage, res: ServerResponse, allowed: CorsOrigins): boolean {
  if (allowed !== "*" && allowed.length > 0) res.setHeader("vary", "Origin");
  const origin = corsOrigin(req.headers, allowed);
  if (origin !== null) res.setHeader("access-control-allow-origin", allowed === "*" ? "*" : origin);
  const preflight = req.method === "OPTIONS" && req.headers.origin !== undefined && req.headers["access-control-request-method"] !== undefined;
  if (!preflight) return false;
  if (origin === null) {
    sendJson(res, 403, { errors: [{ message: `origin ${req.headers.origin} is not allowed (BATON_CORS_ORIGINS)`, extensions: { code: "FORBIDDEN" } }] });
    return true;
  }
  res.writeHead(204, {
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": req.headers["access-control-request-headers"] ?? ALLOWED_HEADERS,
    "access-control-max-age": "600",
    ...(allowed === "*" ? {} : { vary: "Origin, Access-Control-Request-Headers" }),
  });
  res.end();
  return true;
}

/**
 * Routes /graphql to Apollo (GraphiQL's page when a browser asks for HTML), answers /healthz,
 * /readyz and /metrics, serves the console's pages and files, and 404s the rest.
 */
export function createRequestListener(options: HttpOptions): RequestListener {
  const { apollo, coordinator, ready, logger, bodyLimit, corsOrigins = [], gate, metrics = null, documents, refusals, consoleFiles } = options;
  const json = bodyParser.json({ limit: bodyLimit });
  // Without a token only introspection is served: such a body is held to a small size.
  const anonymousJson = bodyParser.json({ limit: Math.min(bodyLimit, ANONYMOUS_BODY_BYTES) });

  /** A refusal in GraphQL's shape, logged (at info, a line per code and caller per window). */
  const refuse = (req: IncomingMessage, res: ServerResponse, principal: Principal | null, status: number, code: string, message: string, extensions: Record<string, unknown> = {}): void => {
    refusals.refused(code, callerOf(principal, req.socket.remoteAddress), message, { status, path: "/graphql" });
    if (status === 401) res.setHeader("www-authenticate", "Bearer");
    sendJson(res, status, { errors: [{ message, extensions: { code, ...extensions } }] });
  };

  const graphql = async (req: Body, res: ServerResponse, principal: Principal | null): Promise<void> => {
    const reqId = res.getHeader("x-request-id");
    const url = new URL(req.url ?? "/", "http://localhost");
    if (logger.isLevelEnabled("debug")) {
      const t0 = performance.now();
      const operation = req.method === "GET" ? url.searchParams.get("operationName") : (req.body as { operationName?: unknown } | undefined)?.operationName;
      res.once("finish", () => logger.debug({ reqId, operation: typeof operation === "string" ? operation.slice(0, 100) : null, status: res.statusCode, ms: Math.round((performance.now() - t0) * 100) / 100 }, "graphql request"));
    }
    // The document is looked at before anything else reads it: a request without a token may
    // only ask for introspection, and size, nesting, tokens and aliases are bounded.
    const query = req.method === "GET" ? url.searchParams.get("query") : (req.body as { query?: unknown } | undefined)?.query;
    const verdict = documents.check(query, principal === null && gate.authEnabled);
    if (!verdict.ok) {
      return refuse(req, res, principal, verdict.status, String(verdict.error.extensions["code"]), verdict.error.message);
    }
    // A GET answer is this caller's data as of now: no cache (browser or shared) keeps it.
    if (req.method === "GET") res.setHeader("cache-control", "no-store");
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? "GET").toUpperCase(), headers, search: url.search, body: req.body },
      context: async () => new HttpContext(coordinator, principal, res),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === "complete") {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  /** Who asks and whether they may ask now, from the headers alone: nothing of the body is read before. */
  const admit = async (req: Body, res: ServerResponse): Promise<{ principal: Principal | null } | null> => {
    let principal: Principal | null;
    try {
      principal = await gate.principal(req.headers.authorization, req.headers["x-baton-actor"]);
    } catch (e) {
      if (!isBatonError(e)) throw e;
      refuse(req, res, null, 401, e.code, e.message);
      return null;
    }
    const retryAfterMs = await gate.admit(principal, req.socket.remoteAddress);
    if (retryAfterMs !== null) {
      res.setHeader("retry-after", String(Math.ceil(retryAfterMs / 1000)));
      refuse(req, res, principal, 429, "RATE_LIMITED", rateLimitMessage(retryAfterMs, principal === null), { retryAfterMs });
      return null;
    }
    return { principal };
  };

  const failed = (res: ServerResponse) => (e: unknown) => {
    logger.error({ err: e }, "unexpected error serving a GraphQL request");
    if (!res.headersSent) sendJson(res, 500, { errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
    else res.destroy();
  };

  return (req: Body, res) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (path === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (path === "/readyz") {
      if (!ready()) return sendJson(res, 503, { status: "unavailable", reason: "starting or draining" });
      // Ready only while the database answers: a load balancer sends work elsewhere meanwhile.
      coordinator.store.ping().then(
        () => sendJson(res, 200, { status: "ready" }),
        (e: unknown) => sendJson(res, 503, { status: "unavailable", reason: `database unreachable: ${describeStorageError(e) ?? "no answer"}` }),
      );
      return;
    }
    if (path === "/metrics" && metrics) {
      serveMetrics(req, res, gate, metrics).catch((e: unknown) => {
        logger.error({ err: e }, "unexpected error serving /metrics");
        if (!res.headersSent) sendJson(res, 500, { error: "unexpected error" });
      });
      return;
    }
    if (path !== "/graphql") {
      if (consoleFiles.handles(path)) return consoleFiles.serve(req, res, path);
      return sendJson(res, 404, { error: "not found: GraphQL is served at /graphql" });
    }
    // A browser opening /graphql gets GraphiQL; a GraphQL client asks for JSON (or nothing).
    if (req.method === "GET" && prefersHtml(req.headers.accept)) return consoleFiles.graphiql(req, res);
    if (cors(req, res, corsOrigins)) return;
    // Every request has an id: the caller's x-request-id when it is a plain token, else a new
    // one; it is sent back, and logged (at debug) with the operation, status and duration.
    const header = req.headers["x-request-id"];
    res.setHeader("x-request-id", typeof header === "string" && /^[\w.:-]{1,64}$/.test(header) ? header : randomUUID());
    admit(req, res).then((admitted) => {
      if (!admitted) {
        req.resume(); // the body is not read: let it drain
        return;
      }
      const { principal } = admitted;
      if (req.method === "POST" && !isJsonContentType(req.headers["content-type"])) {
        req.resume(); // the body is not read: let it drain
        return refuse(req, res, principal, 415, "UNSUPPORTED_MEDIA_TYPE", NOT_JSON_MESSAGE);
      }
      const parse = principal === null && gate.authEnabled ? anonymousJson : json;
      parse(req, res, (err?: { status?: number; type?: string; message?: string }) => {
        if (err) {
          // Malformed JSON (400), too large (413), unsupported charset (415): said in GraphQL's shape.
          const status = err.status ?? 400;
          if (status === 413 && parse !== json) {
            return refuse(req, res, principal, 401, DocumentCode.UNAUTHENTICATED, `${AUTH_REQUIRED}; such a request may be at most ${ANONYMOUS_BODY_BYTES} bytes`);
          }
          if (status === 413) return refuse(req, res, principal, 413, "PAYLOAD_TOO_LARGE", `request body over ${bodyLimit} bytes (BATON_MAX_BODY_BYTES)`);
          return sendJson(res, status, { errors: [{ message: err.message ?? "bad request", extensions: { code: "BAD_REQUEST" } }] });
        }
        graphql(req, res, principal).catch(failed(res));
      });
    }, failed(res));
  };
}

/** /metrics: for admin and metrics tokens (anyone, without authentication). */
async function serveMetrics(req: IncomingMessage, res: ServerResponse, gate: Gate, metrics: Metrics): Promise<void> {
  let principal: Principal | null;
  try {
    principal = await gate.principal(req.headers.authorization, undefined);
  } catch (e) {
    if (!isBatonError(e)) throw e;
    return sendJson(res, 401, { error: e.message, code: e.code });
  }
  if (!principal) return sendJson(res, 401, { error: "authentication required: send Authorization: Bearer <token> (an admin or metrics token)", code: "UNAUTHENTICATED" });
  if (principal.role !== "admin" && principal.role !== "metrics") {
    return sendJson(res, 403, { error: `/metrics needs an admin or metrics token; this token's role is ${principal.role}`, code: "FORBIDDEN" });
  }
  const { contentType, body } = await metrics.scrape();
  res.writeHead(200, { "content-type": contentType }).end(body);
}
