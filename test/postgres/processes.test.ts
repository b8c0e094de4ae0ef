/**
 * Two real gateway processes (`baton serve`) on one PostgreSQL database, checked path by path
 * through the SDK: a long poll on one is woken by a plan made on the other; a subscription on one
 * gets what is committed on the other; a token revoked on one closes its WebSocket on the other.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ClaimStepsDocument,
  createClient,
  CreatePlanDocument,
  CreateTokenDocument,
  isBatonClientError,
  RegisterAgentDocument,
  RevokeTokenDocument,
  SignalsDocument,
  type BatonClient,
} from "../../src/client/index.js";
import { startServerProcess, tempDb, type ServerProcess } from "../helpers/process.js";

const ADMIN = "b".repeat(40);

describe("two gateway processes on one PostgreSQL database", () => {
  const servers: ServerProcess[] = [];
  const clients: BatonClient[] = [];
  let a: BatonClient;
  let b: BatonClient;
  beforeAll(async () => {
    const env = { BATON_DB: tempDb(), BATON_AUTH: "on", BATON_ADMIN_TOKEN: ADMIN, BATON_AUTH_RECHECK_MS: "1000" };
    servers.push(await startServerProcess(env), await startServerProcess(env));
    [a, b] = servers.map((s) => createClient({ url: s.url, token: ADMIN })) as [BatonClient, BatonClient];
    clients.push(a, b);
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    for (const s of servers) {
      s.child.kill("SIGTERM");
      await s.exited;
    }
  });

  it("wakes a long poll on one gateway when a plan made on the other has work", async () => {
    const { registerAgent } = await b.request(RegisterAgentDocument, { input: { name: "w", roles: ["cross"] } });
    const polled = b.request(ClaimStepsDocument, { input: { agentId: registerAgent.id, waitMs: 20_000 } });
    // usually parked on b before the plan exists, then woken by a's notice (the in-process test,
    // gateways.test.ts, waits for the park to be sure); either way it must get the step
    const { createPlan } = await a.request(CreatePlanDocument, { input: { name: "cross", steps: [{ key: "s", role: "cross" }] } });
    const { claimSteps } = await polled;
    expect(claimSteps.map((l) => [l.planId, l.stepKey])).toEqual([[createPlan.id, "s"]]);
  });

  it("streams to a subscriber on one gateway what is committed on the other, in order", async () => {
    const plan = (name: string) => a.request(CreatePlanDocument, { input: { name, start: false, steps: [{ key: "s", role: "idle" }] } });
    const first = (await plan("before")).createPlan.id;
    const seen = b.subscribe(SignalsDocument, { kinds: ["PLAN_CREATED"], afterSequence: 0 });
    let got = (await seen.next()).value!.signals;
    while (got.planId !== first) got = (await seen.next()).value!.signals; // the backlog, up to it
    const later = (await plan("after")).createPlan.id; // committed on a while b follows live
    const next = (await seen.next()).value!.signals;
    expect(next.planId).toBe(later);
    expect(next.sequence).toBeGreaterThan(got.sequence);
    await seen.return!();
  });

  it("closes a revoked token's WebSocket on the other gateway within a second or so", async () => {
    const { createToken } = await a.request(CreateTokenDocument, { input: { name: "watcher", role: "VIEWER" } });
    const watcher = createClient({ url: servers[1]!.url, token: createToken.token });
    clients.push(watcher);
    const live = watcher.subscribe(SignalsDocument, { afterSequence: 0 });
    await live.next(); // connected and reading
    await a.request(RevokeTokenDocument, { id: createToken.info.id });
    const ended = await (async () => {
      try {
        for (;;) if ((await live.next()).done) return null;
      } catch (e) {
        return e;
      }
    })();
    expect(isBatonClientError(ended) && (ended.cause as { code?: number }).code).toBe(4403);
  });
});
