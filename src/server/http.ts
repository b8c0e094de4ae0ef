/**
 * The HTTP side of the gateway, shaped like Apollo Server's own standalone server: a plain
 * node:http listener, body-parser for JSON bodies, and Apollo's executeHTTPGraphQLRequest.
 * (An express app in front of it cost about a third of a 100-step plan query.)
 */
import { HeaderMap, type ApolloServer } from "@apollo/server";
import bodyParser from "body-parser";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Coordinator } from "../coordinator/coordinator.js";
import { actorFrom, type Context } from "../graphql/context.js";
import type { Logger } from "../logger.js";

export interface HttpOptions {
  apollo: ApolloServer<Context>;
  coordinator: Coordinator;
  /** True once the database is open and migrated and the server listens, false while draining. */
  ready: () => boolean;
  logger: Logger;
  /** Largest request body accepted. */
  bodyLimit: string;
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

/** Routes /graphql to Apollo, answers /healthz and /readyz, and 404s the rest. */
export function createRequestListener({ apollo, coordinator, ready, logger, bodyLimit }: HttpOptions): RequestListener {
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
    json(req, res, (err?: { status?: number; type?: string; message?: string }) => {
      if (err) {
        // Malformed JSON (400), too large (413), unsupported charset (415): said in GraphQL's shape.
        const status = err.status ?? 400;
        const code = status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST";
        return sendJson(res, status, { errors: [{ message: err.message ?? "bad request", extensions: { code } }] });
      }
      graphql(req, res).catch((e: unknown) => {
        logger.error({ err: e }, "unexpected error serving a GraphQL request");
        if (!res.headersSent) sendJson(res, 500, { errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
        else res.destroy();
      });
    });
  };
}
