/**
 * OpenTelemetry tracing, off by default (BATON_TRACING=on): a span per GraphQL operation served
 * over HTTP and a span per step attempt (from its claim to its end). Off, nothing of it is
 * loaded and no span is made.
 *
 * On, the spans go to the tracer provider already registered in the process — an SDK the user
 * starts with `node --import ./otel.js …`, set up their way — or, when there is none, to one
 * Baton registers that exports over OTLP/HTTP, configured by the standard variables
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_SERVICE_NAME, …).
 */
import type { ApolloServerPlugin } from "@apollo/server";
import type { Tracer } from "@opentelemetry/api";
import type { Committed, CoordinatorObserver } from "../coordinator/observer.js";
import type { Logger } from "../logger.js";

/** What `@opentelemetry/api` is, loaded only when tracing is on. */
type OtelApi = typeof import("@opentelemetry/api");

export class Tracing implements CoordinatorObserver {
  private api: OtelApi | null = null;
  private tracer: Tracer | null = null;
  private shutdownOwn: (() => Promise<void>) | null = null;

  constructor(private readonly logger: Logger) {}

  /** Loads OpenTelemetry and finds (or registers) the tracer provider. */
  async start(): Promise<void> {
    const api = await import("@opentelemetry/api");
    const { trace } = api;
    // A provider registered by the user's SDK wins; the API refuses a second registration.
    const { TracerProvider, BatchSpanProcessor } = await import("@opentelemetry/sdk-trace");
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    const { resourceFromAttributes } = await import("@opentelemetry/resources");
    const own = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": process.env["OTEL_SERVICE_NAME"] || "baton" }),
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
    });
    if (trace.setGlobalTracerProvider(own)) {
      this.shutdownOwn = () => own.shutdown();
      this.logger.info("tracing on: spans are exported over OTLP/HTTP (OTEL_EXPORTER_OTLP_* settings)");
    } else {
      await own.shutdown();
      this.logger.info("tracing on: spans go to the tracer provider registered in this process");
    }
    this.api = api;
    this.tracer = trace.getTracer("baton");
  }

  /** Flushes and stops the provider Baton registered (a user's own is theirs to stop). */
  async stop(): Promise<void> {
    await this.shutdownOwn?.();
    this.shutdownOwn = null;
  }

  /** A span per ended attempt, backdated to its claim. */
  committed(c: Committed): void {
    const { tracer, api } = this;
    if (!tracer || !api || c.ended.length === 0) return;
    const now = Date.now();
    for (const e of c.ended) {
      const span = tracer.startSpan(`step ${e.stepKey}`, {
        kind: api.SpanKind.INTERNAL,
        startTime: now - (e.durationMs ?? 0),
        attributes: {
          "baton.plan.id": e.planId,
          "baton.step.key": e.stepKey,
          "baton.step.role": e.role,
          "baton.attempt": e.attempt,
          "baton.attempt.outcome": e.outcome,
          ...(e.agentId ? { "baton.agent.id": e.agentId } : {}),
        },
      });
      if (e.outcome !== "SUCCEEDED") span.setStatus({ code: api.SpanStatusCode.ERROR, message: e.outcome });
      span.end(now);
    }
  }

  /** A span per GraphQL request, named after its operation. */
  graphqlPlugin<T extends object>(): ApolloServerPlugin<T> {
    return {
      requestDidStart: async () => {
        const { tracer, api } = this;
        if (!tracer || !api) return;
        const span = tracer.startSpan("graphql", { kind: api.SpanKind.SERVER });
        return {
          async didResolveOperation({ operationName, operation }) {
            const type = operation?.operation ?? "unknown";
            span.updateName(`graphql ${type} ${operationName ?? "(anonymous)"}`);
            span.setAttributes({ "graphql.operation.type": type, "graphql.operation.name": operationName ?? "" });
          },
          async willSendResponse({ errors }) {
            if (errors?.length) span.setStatus({ code: api.SpanStatusCode.ERROR, message: errors[0]!.message });
            span.end();
          },
        };
      },
    };
  }
}
