/**
 * A client given several gateways (a list, or BATON_URL's commas) uses one at a time and moves to
 * the next when it loses the connection: a request that cannot reach its gateway fails with
 * NETWORK_ERROR and the next one goes to the next gateway; a subscription whose gateway went away
 * fails as a connection loss and the resubscription connects to the next. It never retries by
 * itself (a mutation may have been applied before the connection dropped).
 */
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createClient, endpoints } from "../../src/client/client.js";
import { isConnectionLoss } from "../../src/client/errors.js";
import { CreatePlanDocument, SignalsDocument } from "../../src/client/generated/graphql.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";

/** A URL nothing listens on (a port taken and released). */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/graphql`;
}

const plan = { input: { name: "p", steps: [{ key: "s", role: "r" }] } };

describe("a client of several gateways", () => {
  const gateways: Gateway[] = [];
  afterEach(async () => {
    for (const g of gateways.splice(0)) await g.stop();
  });

  it("reads a list or commas, and refuses none", () => {
    expect(endpoints(" http://a/graphql, http://b/graphql ,")).toEqual(["http://a/graphql", "http://b/graphql"]);
    expect(endpoints(["http://a/graphql"])).toEqual(["http://a/graphql"]);
    expect(() => endpoints(" , ")).toThrow(TypeError);
  });

  it("moves to the next gateway after a request cannot reach one, without retrying it", async () => {
    const gw = await startGateway({ env: { BATON_AUTH: "off" } });
    gateways.push(gw);
    const dead = await deadUrl();
    const client = createClient({ url: `${dead},${gw.url}` });
    expect(client.url).toBe(dead);
    const e = await client.request(CreatePlanDocument, plan).catch((err: unknown) => err);
    expect(isConnectionLoss(e)).toBe(true);
    expect(client.url).toBe(gw.url); // the caller's retry goes there
    expect((await client.request(CreatePlanDocument, plan)).createPlan.state).toBe("RUNNING");
    expect((await gw.post("{ plans { totalCount } }", {}, null)).body.data).toEqual({ plans: { totalCount: 1 } }); // one plan: nothing retried twice
    await client.close();
  });

  it("resubscribes on the next gateway after its subscription's gateway went away", async () => {
    const [a, b] = [await startGateway({ env: { BATON_AUTH: "off" } }), await startGateway({ env: { BATON_AUTH: "off" } })];
    gateways.push(b);
    const client = createClient({ url: [a.url, b.url] });
    const first = client.subscribe(SignalsDocument, { afterSequence: 0, kinds: ["PLAN_CREATED"] });
    const created = await client.request(CreatePlanDocument, plan);
    expect((await first.next()).value?.signals.planId).toBe(created.createPlan.id);
    await a.stop(); // the gateway goes away: the subscription fails as a connection loss
    const e = await first.next().catch((err: unknown) => err);
    expect(isConnectionLoss(e)).toBe(true);
    expect(client.url).toBe(b.url);
    const again = client.subscribe(SignalsDocument, { afterSequence: 0, kinds: ["PLAN_CREATED"] });
    const onB = await client.request(CreatePlanDocument, plan);
    expect((await again.next()).value?.signals.planId).toBe(onB.createPlan.id);
    await again.return!();
    await client.close();
  });
});
