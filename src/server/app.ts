/**
 * The composition root: database → store → coordinator → built-in agents → schema →
 * HTTP + WebSocket servers. stop() releases them in reverse order.
 */
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import type { ExecutionResult } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { DEFAULT_LIMITS, type Config, type Limits } from "../config.js";
import { BuiltinAgents } from "../coordinator/builtins.js";
import { systemClock, type Clock } from "../coordinator/clock.js";
import { Coordinator } from "../coordinator/coordinator.js";
import { actorFrom, type Context } from "../graphql/context.js";
import { formatError } from "../graphql/errors.js";
import { setMaxJsonBytes } from "../graphql/scalars.js";
import { batonSchema } from "../graphql/schema.js";
import type { Logger } from "../logger.js";
import { openStore } from "../store/store.js";
import { installTemplates } from "../templates/install.js";
import { WebhookDispatcher } from "../webhooks/dispatcher.js";
import { localGateway } from "./executor.js";
import { checkWsOperation, complexityPlugin, limitRules } from "./guards.js";
import { createRequestListener, webSocketOriginAllowed } from "./http.js";

export interface App {
  coordinator: Coordinator;
  /** Listens; resolves with the address (port 0 = a free port). */
  start(): Promise<{ url: string; port: number }>;
  /** Drains and releases everything. Safe to call twice. */
  stop(): Promise<void>;
}

export interface AppOptions {
  clock?: Clock;
  logger: Logger;
}

export function createApp(config: Config, { clock = systemClock, logger }: AppOptions): App {
  const store = openStore(config.dbFile);
  const coordinator = new Coordinator(store, {
    clock,
    agentOfflineMs: config.agentOfflineMs,
    checkpointKeep: config.checkpointKeep,
    roleLimits: config.rateLimits,
  });
  const builtins = new BuiltinAgents(coordinator, logger);
  const webhooks = new WebhookDispatcher({ store, hub: coordinator.hub, clock, logger });
  const schema = batonSchema();
  const format = (e: unknown) => formatError(e, logger, config.dev);
  const { limits } = config;
  setMaxJsonBytes(limits.maxJsonBytes);
  const rules = limitRules(limits);

  let ready = false;
  const http: Server = createServer();
  // Upgrades are routed by hand (noServer) so that a failed listen is reported once, by us,
  // instead of being re-emitted through the WebSocket server.
  // A WebSocket message is held to the HTTP body limit (ws's own default is 100 MiB).
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxBodyBytes });
  http.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== "/graphql" || coordinator.isDraining) {
      socket.destroy();
      return;
    }
    if (!webSocketOriginAllowed(req.headers, config.corsOrigins)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => {
      wss.emit("connection", client, req);
      // graphql-ws reports socket errors with console.error, as bugs of ours; they are the
      // client's (a message over BATON_MAX_BODY_BYTES, an invalid frame), and ws closes the
      // socket itself (1009, 1002, ...): logged here instead.
      client.removeAllListeners("error");
      client.on("error", (err) => {
        logger.warn({ err: err.message }, "WebSocket closed on a client error");
        if (client.readyState === client.OPEN) client.close(1011, "Internal server error");
      });
    });
  });
  const ws = useServer<Record<string, unknown>>(
    {
      schema,
      isProd: !config.dev, // close reasons say "Internal server error", not the error's message
      context: (ctx): Context => ({ coordinator, actor: actorFrom(ctx.connectionParams?.["actor"]) }),
      // Parsed and checked here, as Apollo does over HTTP: the same rules, complexity and the
      // cap on operations open on the connection (graphql-ws has added this one already).
      onSubscribe: (ctx, _id, payload) => {
        const checked = checkWsOperation(schema, limits, rules, Object.keys(ctx.subscriptions).length, payload);
        if (checked.errors) return checked.errors;
        return { schema, document: checked.document, operationName: payload.operationName, variableValues: payload.variables };
      },
      onNext: (_ctx, _id, _payload, _args, result) => maskResult(result, format),
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
    },
    wss,
  );
  const apollo = createApolloServer(logger, config.dev, [ApolloServerPluginDrainHttpServer({ httpServer: http })], limits);


  let stopping: Promise<void> | null = null;
  return {
    coordinator,
    async start() {
      // Before listening: a bad template file fails the start, and no request sees a partial set.
      installTemplates(coordinator.templates, config.templatesDir);
      await apollo.start();
      http.on(
        "request",
        createRequestListener({
          apollo,
          coordinator,
          logger,
          bodyLimit: limits.maxBodyBytes,
          corsOrigins: config.corsOrigins,
          ready: () => ready && !coordinator.isDraining,
        }),
      );
      await new Promise<void>((resolve, reject) => {
        http.once("error", reject);
        http.listen(config.port, config.host, () => {
          http.off("error", reject);
          resolve();
        });
      });
      webhooks.start(); // before the coordinator commits anything: follows every signal
      coordinator.start();
      builtins.start();
      ready = true;
      const port = (http.address() as AddressInfo).port;
      return { url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}/graphql`, port };
    },
    stop() {
      stopping ??= (async () => {
        ready = false;
        coordinator.drain();
        await builtins.stop();
        await ws.dispose(); // closes every socket with 1001 Going Away
        await apollo.stop().catch(() => undefined); // drains HTTP requests in flight
        if (http.listening) await new Promise<void>((r) => http.close(() => r()));
        coordinator.stop();
        await webhooks.stop(); // enqueues the last signals, cuts off requests in flight
        await store.close();
      })();
      return stopping;
    },
  };
}

/**
 * The Apollo server over the Baton schema, with the shared error edge and the limits
 * (src/server/guards.ts; introspection is refused by Baton's own rule when limits.introspection
 * is off, with its own code).
 */
export function createApolloServer(
  logger: Logger,
  dev: boolean,
  plugins: ApolloServerPlugin<Context>[] = [],
  limits: Limits = DEFAULT_LIMITS,
): ApolloServer<Context> {
  const schema = batonSchema();
  return new ApolloServer<Context>({
    gateway: localGateway(schema),
    introspection: true,
    validationRules: limitRules(limits),
    includeStacktraceInErrorResponses: dev,
    formatError: (_formatted, error) => formatError(error, logger, dev),
    plugins: [...plugins, complexityPlugin<Context>(schema, limits.maxComplexity), ApolloServerPluginCacheControlDisabled()],
  });
}

function maskResult(result: ExecutionResult, format: (e: unknown) => unknown): ExecutionResult {
  if (!result.errors?.length) return result;
  return { ...result, errors: result.errors.map(format) } as ExecutionResult;
}
