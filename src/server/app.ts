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
import type { Config } from "../config.js";
import { BuiltinAgents } from "../coordinator/builtins.js";
import { systemClock, type Clock } from "../coordinator/clock.js";
import { Coordinator } from "../coordinator/coordinator.js";
import { actorFrom, type Context } from "../graphql/context.js";
import { formatError } from "../graphql/errors.js";
import { batonSchema } from "../graphql/schema.js";
import type { Logger } from "../logger.js";
import { openStore } from "../store/store.js";
import { installTemplates } from "../templates/install.js";
import { WebhookDispatcher } from "../webhooks/dispatcher.js";
import { localGateway } from "./executor.js";
import { createRequestListener } from "./http.js";

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

  let ready = false;
  const http: Server = createServer();
  // Upgrades are routed by hand (noServer) so that a failed listen is reported once, by us,
  // instead of being re-emitted through the WebSocket server.
  const wss = new WebSocketServer({ noServer: true });
  http.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== "/graphql" || coordinator.isDraining) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => wss.emit("connection", client, req));
  });
  const ws = useServer<Record<string, unknown>>(
    {
      schema,
      context: (ctx): Context => ({ coordinator, actor: actorFrom(ctx.connectionParams?.["actor"]) }),
      onNext: (_ctx, _id, _payload, _args, result) => maskResult(result, format),
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
    },
    wss,
  );
  const apollo = createApolloServer(logger, config.dev, [ApolloServerPluginDrainHttpServer({ httpServer: http })]);


  let stopping: Promise<void> | null = null;
  return {
    coordinator,
    async start() {
      // Before listening: a bad template file fails the start, and no request sees a partial set.
      installTemplates(coordinator.templates, config.templatesDir);
      await apollo.start();
      http.on(
        "request",
        createRequestListener({ apollo, coordinator, logger, bodyLimit: "2mb", ready: () => ready && !coordinator.isDraining }),
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

/** The Apollo server over the Baton schema, with the shared error edge. */
export function createApolloServer(logger: Logger, dev: boolean, plugins: ApolloServerPlugin<Context>[] = []): ApolloServer<Context> {
  return new ApolloServer<Context>({
    gateway: localGateway(batonSchema()),
    introspection: true,
    includeStacktraceInErrorResponses: dev,
    formatError: (_formatted, error) => formatError(error, logger, dev),
    plugins: [...plugins, ApolloServerPluginCacheControlDisabled()],
  });
}

function maskResult(result: ExecutionResult, format: (e: unknown) => unknown): ExecutionResult {
  if (!result.errors?.length) return result;
  return { ...result, errors: result.errors.map(format) } as ExecutionResult;
}
