/** sendMessage over GraphQL (in process, ManualClock), and a recipient's subscription over a real WebSocket through the SDK. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, MessagesDocument, SendMessageDocument, type BatonClient, type SendMessageInput } from "../../src/client/index.js";
import { loadConfig } from "../../src/config.js";
import { createApp, type App } from "../../src/server/app.js";
import { silentLogger, useApi } from "../helpers/api.js";
import { waitFor } from "../helpers/fixtures.js";
import { tempDb } from "../helpers/process.js";

const SEND = `mutation($input: SendMessageInput!, $lease: ID) { sendMessage(input: $input, leaseId: $lease) { id sequence kind name planId stepKey sender recipient payload } }`;

describe("sendMessage", () => {
    const api = useApi();

  async function setup() {
    const planId = (await api.ok(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, { input: { name: "p", steps: [{ key: "a", role: "coder" }] } })).createPlan.id as string;
    const agent = (await api.ok(`mutation { registerAgent(input: { name: "c", roles: ["coder"] }) { id } }`)).registerAgent.id as string;
    return { planId, agent };
  }
  const send = (input: Record<string, unknown>, actor = "tester", lease?: string) => api.exec(SEND, { input, lease }, actor);

  it("sends to an agent, a role or every agent; the actor (or the lease's agent) is the sender; the history keeps them", async () => {
    const { planId, agent } = await setup();
    const toAgent = (await send({ planId, recipient: agent, name: "hint", stepKey: "a", payload: { use: "tabs" } }, "alice")).data!.sendMessage;
    expect(toAgent).toMatchObject({ kind: "MESSAGE", name: "hint", planId, stepKey: "a", sender: "alice", recipient: agent, payload: { payload: { use: "tabs" } } });
    expect(toAgent.id).toBe(`sig_${toAgent.sequence}`);
    const [lease] = (await api.ok(`mutation($id: ID!) { claimSteps(input: { agentId: $id }) { id } }`, { id: agent })).claimSteps;
    const fromAgent = (await send({ planId, recipient: "reviewer", payload: 1 }, "anonymous", lease.id)).data!.sendMessage;
    expect(fromAgent).toMatchObject({ name: "message", sender: agent, recipient: "reviewer" });
    await send({ planId, recipient: "*" });
    const history = await api.ok(`query($p: ID!) { signals(planId: $p, kinds: [MESSAGE]) { edges { node { name sender recipient } } } }`, { p: planId });
    expect(history.signals.edges.map((e: any) => e.node)).toEqual([
      { name: "hint", sender: "alice", recipient: agent },
      { name: "message", sender: agent, recipient: "reviewer" },
      { name: "message", sender: "tester", recipient: "*" },
    ]);
  });

  it("a request gets one reply, which clears its timer; an unanswered one a reply_timeout once the clock passes replyTimeoutMs", async () => {
    const { planId, agent } = await setup();
    const answered = (await send({ planId, recipient: "reviewer", replyTimeoutMs: 1_000 }, agent)).data!.sendMessage;
    const unanswered = (await send({ planId, recipient: "reviewer", payload: "anyone?", replyTimeoutMs: 2_000 }, agent)).data!.sendMessage;
    expect(unanswered.payload).toEqual({ payload: "anyone?", expectReply: true, replyTimeoutMs: 2_000 });
    const reply = (await send({ planId, recipient: agent, payload: "yes", inReplyTo: answered.sequence }, "rev")).data!.sendMessage;
    expect(reply).toMatchObject({ sender: "rev", recipient: agent, payload: { payload: "yes", inReplyTo: answered.sequence } });
    const again = await send({ planId, recipient: agent, inReplyTo: answered.sequence }, "rev2");
    expect(again.errors?.[0]).toMatchObject({ message: `request ${answered.sequence} was already answered (message ${reply.sequence})`, extensions: { code: "CONFLICT" } });

    await api.clock.advance(1_999);
    const names = async () =>
      (await api.ok(`query($p: ID!) { signals(planId: $p, kinds: [MESSAGE]) { edges { node { name sender recipient payload } } } }`, { p: planId })).signals.edges.map((e: any) => e.node);
    expect((await names()).map((s: any) => s.name)).toEqual(["message", "message", "message"]);
    await api.clock.advance(1);
    expect((await names()).at(-1)).toEqual({ name: "reply_timeout", sender: "system", recipient: agent, payload: { inReplyTo: unanswered.sequence, timeoutMs: 2_000 } });
  });

  it("bad input is BAD_USER_INPUT with every problem, an unknown plan NOT_FOUND, a bad reply BAD_USER_INPUT", async () => {
    const { planId } = await setup();
    const bad = await send({ planId, recipient: "", name: " ", stepKey: "nope", replyTimeoutMs: -5 });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(bad.errors?.[0]?.extensions?.["problems"].map((p: any) => p.path)).toEqual(["recipient", "name", "stepKey", "replyTimeoutMs"]);
    expect((await send({ planId: "plan_x", recipient: "*" })).errors?.[0]?.extensions?.["code"]).toBe("NOT_FOUND");
    const plain = (await send({ planId, recipient: "*" })).data!.sendMessage;
    const notRequest = await send({ planId, recipient: "tester", inReplyTo: plain.sequence });
    expect(notRequest.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", problems: [{ path: "inReplyTo" }] });
    expect((await send({ planId, recipient: "*" }, "x", "lease_unknown")).errors?.[0]?.extensions?.["code"]).toBe("NOT_FOUND");
  });
});

describe("a recipient's subscription over WebSocket, with the SDK's documents", () => {
  let app: App;
  let client: BatonClient;
  beforeAll(async () => {
    app = await createApp(loadConfig({ BATON_AUTH: "off", BATON_PORT: "0", BATON_DB: tempDb() }), { logger: silentLogger });
    const { url } = await app.start();
    client = createClient({ url, headers: { "x-baton-actor": "alice" } });
  });
  afterAll(async () => {
    await client.close();
    await app.stop();
  });

  it("receives its own messages and those to every agent of the plan, nothing else; a lease makes its agent the sender", async () => {
    const c = app.coordinator;
    const plan = await c.createPlan({ name: "talk", steps: [{ key: "a", role: "coder" }] }, "t");
    const other = await c.createPlan({ name: "other", start: false, steps: [{ key: "a", role: "coder" }] }, "t");
    const agent = await c.registerAgent({ name: "coder", roles: ["coder"] });
    const [grant] = await c.claim(agent.id, 1);
    const listening = c.hub.subscriberCount;
    const inbox = client.subscribe(MessagesDocument, { planId: plan.id, recipient: agent.id });
    await waitFor(() => c.hub.subscriberCount > listening);
    const send = async (input: SendMessageInput, leaseId?: string) => (await client.request(SendMessageDocument, { input, leaseId })).sendMessage;
    await send({ planId: plan.id, recipient: agent.id, name: "direct" });
    await send({ planId: plan.id, recipient: "reviewer", name: "to-reviewers" });
    await send({ planId: other.id, recipient: "*", name: "other-plan" });
    const question = await send({ planId: plan.id, recipient: "*", name: "broadcast", expectReply: true });
    await c.sendSignal({ planId: plan.id, name: "custom", recipient: "*" }, "alice"); // not a MESSAGE
    const reply = await send({ planId: plan.id, recipient: "alice", name: "answer", inReplyTo: question.sequence }, grant!.lease.id);
    expect(reply).toMatchObject({ sender: agent.id, recipient: "alice", payload: { payload: null, inReplyTo: question.sequence } });
    await send({ planId: plan.id, recipient: agent.id, name: "last" });
    const received: { name: string | null; sender: string; recipient: string | null }[] = [];
    for await (const { signals: m } of inbox) {
      received.push({ name: m.name, sender: m.sender, recipient: m.recipient });
      if (m.name === "last") break;
    }
    expect(received).toEqual([
      { name: "direct", sender: "alice", recipient: agent.id },
      { name: "broadcast", sender: "alice", recipient: "*" },
      { name: "last", sender: "alice", recipient: agent.id },
    ]);
    await waitFor(() => c.hub.subscriberCount === listening);
  });
});
