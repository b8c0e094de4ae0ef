/**
 * The research flow from seed 000, end to end: a real gateway (port 0, temp-file database), a
 * local data service on port 0, and three real SDK analyst agents over HTTP. The plan prefetches
 * the data into the shared context, the analysts work in parallel from it, and a builtin.merge
 * step combines their reports: the plan's result has PII masked and citations de-duplicated.
 */
import "reflect-metadata";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createAgent, createClient, CreatePlanDocument, GetPlanDocument, SignalsDocument, type BatonAgent, type BatonClient } from "../../src/client/index.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";

let gw: Gateway;
let client: BatonClient;
let data: Server;
let dataUrl: string;
let requests = 0;
let agents: BatonAgent[];

const LABOUR = { sector: "construction", employed: 120_000, growth: 0.04, contact: "stats.desk@ministry.example" };

beforeEach(async () => {
  requests = 0;
  data = createServer((_req, res) => {
    requests++;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(LABOUR));
  });
  await new Promise<void>((r) => data.listen(0, "127.0.0.1", r));
  dataUrl = `http://127.0.0.1:${(data.address() as AddressInfo).port}/labour`;
  gw = await startGateway({ env: { BATON_OUTBOUND_ALLOW: "127.0.0.1" } }); // the data server
  const { url } = gw;
  const token = await gw.token("agent");
  client = createClient({ url, token: await gw.token("operator") });
  // Each analyst reads the prefetched data from its lease's context and writes one section,
  // citing the same dataset (so the merge must de-duplicate the citation) and leaking PII.
  const analyst = (role: string, title: string, body: (d: typeof LABOUR) => string) =>
    createAgent({
      url,
      token,
      name: role,
      roles: [role],
      handler: ({ lease }) => {
        const d = (lease.context as { labour: typeof LABOUR }).labour;
        return {
          ok: true,
          sections: [{ title, body: body(d) }],
          citations: [{ queryId: "labour-q1", datasetId: "lfs-2025", title: "Labour force survey", timestamp: "2025-06-30T00:00:00Z" }],
          freshness: { "lfs-2025": "2025-06-30T00:00:00Z" },
        };
      },
    });
  agents = [
    analyst("economist", "Key Findings", (d) => `${d.sector} employs ${d.employed} people, growing ${d.growth * 100}% a year.`),
    analyst("statistician", "Evidence", (d) => `Figures confirmed with ${d.contact} by phone on +974 4412 3456.`),
    analyst("policy", "Executive Summary", (d) => `Invest in ${d.sector} training.`),
  ];
});

afterEach(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await client.close();
  await gw.stop();
  await new Promise((r) => data.close(r));
});

it("prefetch → three analysts in parallel → merge: the result is one report with PII masked and citations de-duplicated", async () => {
  const { createPlan } = await client.request(CreatePlanDocument, {
    input: {
      name: "labour market brief",
      policy: { maxParallel: 3 },
      prefetch: [{ key: "labour", url: dataUrl, cacheKey: "lfs-2025", required: true }],
      steps: [
        { key: "economy", role: "economist" },
        { key: "stats", role: "statistician" },
        { key: "policy", role: "policy" },
        { key: "report", role: "builtin.merge", dependsOn: ["economy", "stats", "policy"] },
      ],
    },
  });
  for await (const { signals } of client.subscribe(SignalsDocument, { planId: createPlan.id, kinds: ["PLAN_COMPLETED", "PLAN_FAILED"], afterSequence: 0 })) {
    expect(signals.kind).toBe("PLAN_COMPLETED");
    break;
  }
  const { plan } = await client.request(GetPlanDocument, { id: createPlan.id });
  expect(requests).toBe(1);
  expect(plan?.result).toEqual({
    ok: true,
    sections: [
      { title: "Executive Summary", body: "Invest in construction training.", sources: ["policy"] },
      { title: "Key Findings", body: "construction employs 120000 people, growing 4% a year.", sources: ["economy"] },
      { title: "Evidence", body: "Figures confirmed with *** by phone on ***.", sources: ["stats"] },
    ],
    citations: [{ queryId: "labour-q1", datasetId: "lfs-2025", title: "Labour force survey", url: null, timestamp: "2025-06-30T00:00:00Z", sources: ["economy", "policy", "stats"] }],
    freshness: { "lfs-2025": "2025-06-30T00:00:00Z" },
    warnings: [],
    pii: { email: 1, phone: 1, nationalId: 0, card: 0, custom: 0 },
    inputs: ["economy", "policy", "stats"],
  });
  // The analysts ran side by side once the prefetch was done (they all depend only on it).
  const started = plan!.steps.filter((s) => ["economy", "stats", "policy"].includes(s.key)).map((s) => new Date(s.startedAt!).getTime());
  const prefetched = new Date(plan!.steps.find((s) => s.key === "prefetch.labour")!.finishedAt!).getTime();
  expect(started.every((t) => t >= prefetched)).toBe(true);
});
