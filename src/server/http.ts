/**
 * The HTTP side of the gateway, shaped like Apollo Server's own standalone server: a plain
 * node:http listener, body-parser for JSON bodies, and Apollo's executeHTTPGraphQLRequest.
 * (An express app in front of it cost about a third of a 100-step plan query.)
 */
import { HeaderMap, type ApolloServer } from "@apollo/server";
import bodyParser from "body-parser";
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { CorsOrigins } from "../config.js";
import type { Coordinator } from "../coordinator/coordinator.js";
import { actorFrom, type Context } from "../graphql/context.js";
import type { Logger } from "../logger.js";

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
}

/** The context of one HTTP request. */
class HttpContext implements Context {
  private closed: AbortSignal | null = null;

  constructor(
    readonly coordinator: Coordinator,
    readonly actor: string,
    private readonly res: ServerResponse,
  ) {}

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
const ALLOWED_HEADERS = "content-type, apollo-require-preflight, x-apollo-operation-name, x-baton-actor, authorization";

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

/** Routes /graphql to Apollo, answers /healthz and /readyz, and 404s the rest. */
export function createRequestListener({ apollo, coordinator, ready, logger, bodyLimit, corsOrigins = [] }: HttpOptions): RequestListener {
  const json = bodyParser.json({ limit: bodyLimit });

  const graphql = async (req: Body, res: ServerResponse): Promise<void> => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? "GET").toUpperCase(), headers, search: url.search, body: req.body },
      context: async () => new HttpContext(coordinator, actorFrom(req.headers["x-baton-actor"]), res),
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

  return (req: Body, res) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (path === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (path === "/readyz") {
      const ok = ready();
      return sendJson(res, ok ? 200 : 503, { status: ok ? "ready" : "unavailable" });
    }
    if (path !== "/graphql") return sendJson(res, 404, { error: "not found: GraphQL is served at /graphql" });
    if (cors(req, res, corsOrigins)) return;
    json(req, res, (err?: { status?: number; type?: string; message?: string }) => {
      if (err) {
        // Malformed JSON (400), too large (413), unsupported charset (415): said in GraphQL's shape.
        const status = err.status ?? 400;
        const code = status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST";
        const message = status === 413 ? `request body over ${bodyLimit} bytes (BATON_MAX_BODY_BYTES)` : err.message ?? "bad request";
        return sendJson(res, status, { errors: [{ message, extensions: { code } }] });
      }
      graphql(req, res).catch((e: unknown) => {
        logger.error({ err: e }, "unexpected error serving a GraphQL request");
        if (!res.headersSent) sendJson(res, 500, { errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
        else res.destroy();
      });
    });
  };
}
