/**
 * OpenTelemetry: with BATON_TRACING=on a span per GraphQL operation and per step attempt goes to
 * the tracer provider registered in the process (here an in-memory one, as a user's SDK would
 * be); with it off, none.
 */
import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, expect, it } from "vitest";
import { waitFor } from "../helpers/fixtures.js";
import { startGateway } from "../helpers/gateway.js";

const exporter = new InMemorySpanExporter();
beforeAll(() => {
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
});
afterAll(() => trace.disable());

const CREATE = `mutation CreateTraced { createPlan(input: { name: "traced", steps: [{ key: "a", role: "builtin.echo", input: 1 }, { key: "b", role: "builtin.echo", input: 2, dependsOn: ["a"] }] }) { id } }`;

it("makes a span per GraphQL operation and per step attempt when on", async () => {
  const gw = await startGateway({ env: { BATON_TRACING: "on" } });
  try {
    const r = await gw.post(CREATE);
    const planId = r.body.data!["createPlan"].id as string;
    await waitFor(async () => (await gw.app.coordinator.store.queries.plans.load(planId))!.plan.state === "COMPLETED");
    await waitFor(() => exporter.getFinishedSpans().filter((s) => s.name.startsWith("step ")).length === 2);
    const spans = exporter.getFinishedSpans();
    const op = spans.find((s) => s.name === "graphql mutation CreateTraced");
    expect(op?.attributes).toMatchObject({ "graphql.operation.type": "mutation", "graphql.operation.name": "CreateTraced" });
    const a = spans.find((s) => s.name === "step a")!;
    expect(a.attributes).toMatchObject({ "baton.plan.id": planId, "baton.step.key": "a", "baton.step.role": "builtin.echo", "baton.attempt": 1, "baton.attempt.outcome": "SUCCEEDED" });
    expect(a.status.code).toBe(0); // UNSET: the attempt succeeded
  } finally {
    await gw.stop();
  }
});

it("makes none when off (the default)", async () => {
  exporter.reset();
  const gw = await startGateway();
  try {
    const planId = (await gw.post(CREATE)).body.data!["createPlan"].id as string;
    await waitFor(async () => (await gw.app.coordinator.store.queries.plans.load(planId))!.plan.state === "COMPLETED");
    expect(exporter.getFinishedSpans()).toEqual([]);
  } finally {
    await gw.stop();
  }
});
