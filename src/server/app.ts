/**
 * The composition root: database → store → coordinator → built-in agents → schema →
 * HTTP + WebSocket servers. stop() releases them in reverse order.
 */
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { GraphQLError, type ExecutionResult } from "graphql";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { DEFAULT_LIMITS, type Config, type Limits } from "../config.js";
import { BuiltinAgents } from "../coordinator/builtins.js";
import { systemClock, type Clock } from "../coordinator/clock.js";
import { Coordinator } from "../coordinator/coordinator.js";
import type { Principal, Tokens } from "../auth/tokens.js";
import { isBatonError } from "../domain/errors.js";
import { type Context } from "../graphql/context.js";
import { formatError } from "../graphql/errors.js";
import { setMaxJsonBytes } from "../graphql/scalars.js";
import { batonSchema } from "../graphql/schema.js";
import type { Logger } from "../logger.js";
import { openConfiguredStore } from "../store/open.js";
import { postgresBudgets } from "../store/postgres-budgets.js";
import { PostgresStore } from "../store/postgres-store.js";
import { installTemplates } from "../templates/install.js";
import { WebhookDispatcher } from "../webhooks/dispatcher.js";
import { OutboundPolicy } from "../outbound/policy.js";
import { localGateway, type ExecutorStats } from "./executor.js";
import { Metrics } from "../metrics/metrics.js";
import { Tracing } from "../metrics/tracing.js";
import { Gate, rateLimitMessage } from "./gate.js";
import { serveGraphqlWs } from "./websocket.js";
import { checkWsOperation, complexityPlugin, limitRules, tooManySubscriptions } from "./guards.js";
import { OpenOperations } from "./operations.js";
import { ReplayLimiter } from "../signals/replays.js";
import { createRequestListener, webSocketOriginAllowed } from "./http.js";
import { DocumentCheck } from "./documents.js";
import { ConsoleFiles } from "./console.js";
import { callerOf, REFUSAL_CODES, RefusalLog, refusalPlugin } from "./refusals.js";

export interface App {
  coordinator: Coordinator;
  /** The API tokens (create, list, revoke). */
  tokens: Tokens;
  /** Listens; resolves with the address (port 0 = a free port) and, on a first start, the admin token file written. */
  start(): Promise<{ url: string; port: number; adminTokenFile: string | null }>;
  /** Drains and releases everything. Safe to call twice. */
  stop(): Promise<void>;
}

export interface AppOptions {
  clock?: Clock;
  logger: Logger;
}

/** Opens the database (migrating it) and builds the gateway on it; start() then listens. */
export async function createApp(config: Config, { clock = systemClock, logger }: AppOptions): Promise<App> {
  const store = await openConfiguredStore(config);
  const metrics = config.metrics ? new Metrics(store) : null;
  const tracing = config.tracing ? new Tracing(logger) : null;
  const coordinator = new Coordinator(store, {
    observers: [metrics, tracing].filter((o) => o !== null),
    clock,
    agentOfflineMs: config.agentOfflineMs,
    checkpointKeep: config.checkpointKeep,
    retentionMs: config.retentionMs,
    roleLimits: config.rateLimits,
    logger,
  });
  // Every outgoing request (builtin.http, prefetch, webhooks) goes through this policy.
  const outbound = new OutboundPolicy({ allow: config.outboundAllow });
  const builtins = new BuiltinAgents(coordinator, logger, { outbound, secrets: config.secrets });
  const webhooks = new WebhookDispatcher({ store, hub: coordinator.hub, clock, logger, outbound });
  const { tokens } = coordinator;
  const budgets = store instanceof PostgresStore ? postgresBudgets(store) : undefined;
  const gate = new Gate({ tokens, auth: config.auth, rate: config.requestRate, anonymousRate: config.anonymousRate, clock, recheckMs: config.authRecheckMs, budgets });
  /** Who opened each WebSocket (set in onConnect). */
  const principals = new WeakMap<object, Principal>();
  /** The acknowledged connections' contexts: their open operations are `subscriptions`. */
  const connections = new Set<{ subscriptions: Record<string, unknown> }>();
  /** Replays reading the signal log at once, per connection and per token (BATON_MAX_REPLAYS_PER_*). */
  const replays = new ReplayLimiter(config.streams.maxReplaysPerConnection, config.streams.maxReplaysPerToken);
  // At debug level every committed signal is logged with its plan, step and agent.
  if (logger.isLevelEnabled("debug")) {
    coordinator.hub.listen((batch) => {
      for (const sg of batch) logger.debug({ seq: sg.sequence, kind: sg.kind, planId: sg.planId, stepKey: sg.stepKey, agentId: sg.agentId }, "signal");
    });
  }
  if (metrics) {
    coordinator.hub.listen((batch) => metrics.signals(batch));
    metrics.countLive({
      connections: () => connections.size,
      subscriptions: () => [...connections].reduce((n, c) => n + Object.keys(c.subscriptions).length, 0),
    });
  }
  const schema = batonSchema();
  const format = (e: unknown) => formatError(e, logger, config.dev);
  const { limits } = config;
  setMaxJsonBytes(limits.maxJsonBytes);
  const rules = limitRules(limits);
  /** Refusals for limits and policy, logged at info (a line per code and caller per 10 s). */
  const refusals = new RefusalLog(logger, () => clock.now());
  /** Operations open per connection, counted as subscribe messages arrive (BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION). */
  const operations = new OpenOperations(limits.maxSubscriptionsPerConnection);

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
    wss.handleUpgrade(req, socket, head, (client) => wss.emit("connection", client, req));
  });
  const ws = serveGraphqlWs(
    {
      schema,
      // The token is checked once, at connection_init: a missing or bad one closes the socket
      // with 4401; revoking or expiring it later closes it with 4403 (Gate.track).
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        let principal: Principal | null;
        try {
          principal = await gate.principal(ctx.connectionParams?.["authorization"] ?? request.headers.authorization, ctx.connectionParams?.["actor"]);
        } catch (e) {
          if (!isBatonError(e)) throw e;
          refusals.refused(e.code, callerOf(null, request.socket.remoteAddress), e.message, { via: "websocket" });
          socket.close(4401, `Unauthorized: ${e.message}`);
          return false;
        }
        if (socket.readyState !== socket.OPEN) return false; // closed while the token was looked up: nothing to follow
        if (principal === null) {
          refusals.refused("UNAUTHENTICATED", callerOf(null, request.socket.remoteAddress), "no token at connection_init", { via: "websocket" });
          socket.close(4401, "Unauthorized: send connectionParams.authorization = Bearer <token>");
          return false;
        }
        principals.set(socket, principal);
        connections.add(ctx);
        socket.once("close", () => connections.delete(ctx));
        socket.once("close", gate.track(principal, (reason) => socket.close(4403, `Forbidden: ${reason}`)));
        return true;
      },
      context: (ctx): Context => {
        const principal = principals.get(ctx.extra.socket) ?? null;
        const replaySlot = replays.slotFor(ctx.extra.socket, principal?.tokenId ?? `principal:${principal?.name ?? "anonymous"}`);
        return { coordinator, principal, actor: principal?.name ?? "anonymous", replaySlot };
      },
      // Parsed and checked here, as Apollo does over HTTP: the same rules, complexity and the
      // cap on operations open on the connection (graphql-ws has added this one already), and
      // the request budget of the token. The open operations are counted before the first await
      // (src/server/operations.ts), so a burst of subscribes is counted in order.
      onSubscribe: async (ctx, id, payload) => {
        const principal = principals.get(ctx.extra.socket) ?? null;
        const address = ctx.extra.request.socket.remoteAddress;
        const refuse = (errors: readonly GraphQLError[]): readonly GraphQLError[] => {
          for (const e of errors) {
            const code = e.extensions["code"];
            if (typeof code === "string" && REFUSAL_CODES.has(code)) refusals.refused(code, callerOf(principal, address), e.message, { via: "websocket" });
          }
          return errors;
        };
        if (!operations.reserve(ctx, id)) return refuse([tooManySubscriptions(limits)]);
        const retryAfterMs = await gate.admit(principal, address);
        if (retryAfterMs !== null) {
          operations.release(ctx, id);
          return refuse([new GraphQLError(rateLimitMessage(retryAfterMs, principal === null), { extensions: { code: "RATE_LIMITED", retryAfterMs } })]);
        }
        const checked = checkWsOperation(schema, limits, rules, operations.count(ctx), payload);
        if (!checked.errors) return { schema, document: checked.document, operationName: payload.operationName, variableValues: payload.variables };
        operations.release(ctx, id);
        return refuse(checked.errors);
      },
      onNext: (_ctx, _id, _payload, _args, result) => maskResult(result, format),
      onError: (ctx, id, _payload, errors) => {
        operations.release(ctx, id);
        return errors.map(format);
      },
      onComplete: (ctx, id) => operations.release(ctx, id),
    },
    wss,
    logger,
    config.streams,
  );
  const plugins: ApolloServerPlugin<Context>[] = [ApolloServerPluginDrainHttpServer({ httpServer: http }), refusalPlugin<Context>(refusals)];
  if (metrics) plugins.push(metrics.graphqlPlugin<Context>());
  if (tracing) plugins.push(tracing.graphqlPlugin<Context>());
  const apollo = createApolloServer(logger, config.dev, plugins, limits);


  let stopping: Promise<void> | null = null;
  return {
    coordinator,
    tokens,
    async start() {
      // Before listening: a bad template file fails the start, and no request sees a partial set.
      await installTemplates(coordinator.templates, config.templatesDir);
      for (const notice of config.notices) logger.warn(notice);
      await tracing?.start();
      if (config.adminToken && (await tokens.ensureGivenAdminToken(config.adminToken))) logger.info("the admin token of BATON_ADMIN_TOKEN is stored");
      const adminTokenFile = config.auth && config.adminTokenFile && !config.adminToken ? await tokens.ensureAdminToken(config.adminTokenFile) : null;
      if (config.auth && !config.adminTokenFile && (await tokens.list()).length === 0) {
        logger.warn("no API token exists and BATON_ADMIN_TOKEN_FILE is unset: create one with `baton token create`");
      }
      await apollo.start();
      http.on(
        "request",
        createRequestListener({
          apollo,
          coordinator,
          logger,
          bodyLimit: limits.maxBodyBytes,
          corsOrigins: config.corsOrigins,
          gate,
          metrics,
          documents: new DocumentCheck(schema, limits),
          refusals,
          consoleFiles: ConsoleFiles.open({ auth: gate.authEnabled }),
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
      await webhooks.start(); // before the coordinator commits anything: follows every signal
      await coordinator.start();
      await builtins.start();
      ready = true;
      const port = (http.address() as AddressInfo).port;
      return { url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}/graphql`, port, adminTokenFile };
    },
    stop() {
      stopping ??= (async () => {
        ready = false;
        coordinator.drain();
        await builtins.stop();
        await ws.dispose(); // closes every socket with 1001 Going Away
        await apollo.stop().catch(() => undefined); // drains HTTP requests in flight
        if (http.listening) await new Promise<void>((r) => http.close(() => r()));
        await coordinator.stop();
        gate.close();
        await webhooks.stop(); // enqueues the last signals, cuts off requests in flight
        await outbound.close();
        await tracing?.stop();
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
  stats?: ExecutorStats,
): ApolloServer<Context> {
  const schema = batonSchema();
  return new ApolloServer<Context>({
    logger, // Apollo's own warnings (e.g. a document too deep to cache) go to the gateway's log
    gateway: localGateway(schema, stats),
    introspection: true,
    // Apollo's CSRF prevention refuses every GET without a preflight header (urql's default).
    // Baton authenticates with bearer tokens, never cookies, so a cross-site GET carries no
    // credentials; the listener (./http.ts) refuses the simple-request POSTs itself (415).
    csrfPrevention: false,
    // Baton's own drain (src/cli/baton.ts) handles SIGTERM/SIGINT: Apollo's handler would stop
    // the server and send the signal again, which reads as a second signal (exit 1).
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: limits.maxQueryTokens },
    // Every document is sent whole and looked at first (src/server/documents.ts): automatic
    // persisted queries (a hash instead of the text) would let one skip that look.
    persistedQueries: false,
    validationRules: limitRules(limits),
    includeStacktraceInErrorResponses: dev,
    formatError: (_formatted, error) => formatError(error, logger, dev),
    // Apollo's landing page loads its code from a CDN: a browser opening /graphql gets Baton's
    // own GraphiQL instead (src/server/console.ts), served before Apollo sees the request.
    plugins: [...plugins, complexityPlugin<Context>(schema, limits.maxComplexity), ApolloServerPluginCacheControlDisabled(), ApolloServerPluginLandingPageDisabled()],
  });
}

function maskResult(result: ExecutionResult, format: (e: unknown) => unknown): ExecutionResult {
  if (!result.errors?.length) return result;
  return { ...result, errors: result.errors.map(format) } as ExecutionResult;
}
