/**
 * A full disk or a read-only database while the gateway runs: every mutation answers with a
 * stable STORAGE_* code and a plain message (no SQL, no path), the original error is logged,
 * nothing of the change is written (rows, signal log, plan version, leases), the coordinator's
 * memory is as before, and the same request succeeds once the database can be written again.
 * Real store, real migrations, a WAL file database (test/helpers/storage.ts tells how the
 * failures are made).
 */
import Database from "better-sqlite3";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { GraphQLError } from "graphql";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatError } from "../../src/graphql/errors.js";
import { DatabaseOpenError, openDatabase } from "../../src/store/database.js";
import { describeStorageError, storageFailure } from "../../src/store/storage-errors.js";
import { makeApi } from "../helpers/api.js";
import { rejected, thrown } from "../helpers/coordinator.js";
import { BIG, capturingLogger, diskFreed, diskFull, readOnly, signalLogHasNoGap, snapshot, tempDbFile, type LogLine } from "../helpers/storage.js";

type Api = Awaited<ReturnType<typeof makeApi>>;
let api: Api;
let lines: LogLine[];
let cleanup: () => void;
beforeEach(async () => {
  const db = tempDbFile();
  const log = capturingLogger();
  lines = log.lines;
  cleanup = db.cleanup;
  api = await makeApi({ file: db.file, logger: log.logger });
});
afterEach(async () => {
  await api.coordinator.stop();
  await api.stop();
  await api.store.close();
  cleanup();
});

const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id version } }`;
const REGISTER = `mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`;
const CLAIM = `mutation($input: ClaimStepsInput!) { claimSteps(input: $input) { id stepKey attempt } }`;
const COMPLETE = `mutation($lease: ID!, $output: JSON) { completeStep(leaseId: $lease, output: $output) { key state } }`;
const REASON = "x".repeat(10_000);
const PAUSE = `mutation($id: ID!, $reason: String) { pausePlan(id: $id, reason: $reason) { status planVersion } }`;
const PLAN = `query($id: ID!) { plan(id: $id) { state version steps { key state attempts } } }`;

const FULL = { message: "the database disk is full: the change was not saved", code: "STORAGE_FULL" };
const READ_ONLY = { message: "the database is read-only: the change was not saved", code: "STORAGE_READ_ONLY" };

/** The request's one error, as a client sees it. */
async function failure(query: string, variables: Record<string, unknown>): Promise<{ message: string; code: string }> {
  const r = await api.exec(query, variables);
  expect(r.errors).toHaveLength(1);
  const [e] = r.errors!;
  expect(Object.keys(e!.extensions!)).toEqual(["code"]); // no stacktrace, no SQL
  return { message: e!.message, code: e!.extensions!["code"] };
}

async function planWithRunningStep(input: unknown = null) {
  const { createPlan } = await api.ok(CREATE, { input: { name: "p", input, steps: [{ key: "a", role: "r" }, { key: "b", role: "r", dependsOn: ["a"] }] } });
  const { registerAgent } = await api.ok(REGISTER, { input: { name: "w", roles: ["r"] } });
  const [lease] = (await api.ok(CLAIM, { input: { agentId: registerAgent.id } })).claimSteps;
  return { planId: createPlan.id as string, agentId: registerAgent.id as string, leaseId: lease.id as string };
}

describe("a full disk while running", () => {
  it("createPlan: STORAGE_FULL, the original error logged, nothing written; the same request succeeds once there is room", async () => {
    await api.ok(CREATE, { input: { name: "before", steps: [{ key: "a", role: "r" }] } });
    const before = await snapshot(api.store);
    diskFull(api.store);
    const request = { input: { name: "big", input: { blob: BIG }, steps: [{ key: "a", role: "r" }] } };

    expect(await failure(CREATE, request)).toEqual(FULL);
    expect(await snapshot(api.store)).toEqual(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toBe("storage failure: the disk holding the database is full (SQLITE_FULL)");
    expect(lines[0]!.err).toMatchObject({ code: "SQLITE_FULL", message: "database or disk is full" });

    diskFreed(api.store);
    const { createPlan } = await api.ok(CREATE, request);
    expect((await api.ok(PLAN, { id: createPlan.id })).plan.state).toBe("RUNNING");
    expect(await api.store.queries.signals.head()).toBeGreaterThan(before.signalHead as number);
    expect(await signalLogHasNoGap(api.store)).toBe(true);
  });

  it("completeStep: the lease runs on, the plan keeps its version and the log its head; the same report is saved later", async () => {
    const { planId, leaseId } = await planWithRunningStep();
    const plan = (await api.ok(PLAN, { id: planId })).plan;
    const before = await snapshot(api.store);
    diskFull(api.store);

    expect(await failure(COMPLETE, { lease: leaseId, output: { blob: BIG } })).toEqual(FULL);
    expect(await snapshot(api.store)).toEqual(before);
    expect((await api.ok(PLAN, { id: planId })).plan).toEqual(plan); // the plan cache was dropped with the transaction
    expect((await api.store.queries.attempts.get(leaseId))!.outcome).toBe("RUNNING");
    // A small write still fits: the world the next request sees is the one before the failure.
    await api.ok(`mutation($id: ID!) { sendSignal(input: { planId: $id, name: "ping" }) { sequence } }`, { id: planId });
    expect(await api.store.queries.signals.head()).toBe((before.signalHead as number) + 1);

    diskFreed(api.store);
    expect((await api.ok(COMPLETE, { lease: leaseId, output: { blob: BIG } })).completeStep).toEqual({ key: "a", state: "SUCCEEDED" });
    const after = (await api.ok(PLAN, { id: planId })).plan;
    expect(after.version).toBe(plan.version + 1);
    expect(after.steps.map((s: { state: string }) => s.state)).toEqual(["SUCCEEDED", "READY"]);
    expect(await signalLogHasNoGap(api.store)).toBe(true);
  });

  it("pausePlan: no intervention row, the plan RUNNING at its version; the same intervention applies later", async () => {
    const { planId } = await planWithRunningStep();
    const plan = (await api.ok(PLAN, { id: planId })).plan;
    const before = await snapshot(api.store);
    diskFull(api.store, 1); // a reason is at most 10,000 characters: one free page cannot hold it

    expect(await failure(PAUSE, { id: planId, reason: REASON })).toEqual(FULL);
    expect(await snapshot(api.store)).toEqual(before);
    expect((await api.ok(PLAN, { id: planId })).plan).toEqual(plan);

    diskFreed(api.store);
    expect((await api.ok(PAUSE, { id: planId, reason: REASON })).pausePlan).toEqual({ status: "APPLIED", planVersion: plan.version + 1 });
    expect((await api.ok(PLAN, { id: planId })).plan).toMatchObject({ state: "PAUSED", version: plan.version + 1 });
    expect(await signalLogHasNoGap(api.store)).toBe(true);
  });

  it("claimSteps hands out no lease: no attempt row, the step stays READY, and the next claim is attempt 1", async () => {
    const steps = [{ key: "a", role: "r", inputMapping: { blob: "$.input.blob" } }];
    const { createPlan } = await api.ok(CREATE, { input: { name: "p", input: { blob: BIG }, steps } });
    const { registerAgent } = await api.ok(REGISTER, { input: { name: "w", roles: ["r"] } });
    const before = await snapshot(api.store);
    diskFull(api.store);

    expect(await failure(CLAIM, { input: { agentId: registerAgent.id } })).toEqual(FULL);
    expect(await snapshot(api.store)).toEqual(before);
    expect((await api.ok(PLAN, { id: createPlan.id })).plan.steps).toEqual([{ key: "a", state: "READY", attempts: 0 }]);

    diskFreed(api.store);
    expect((await api.ok(CLAIM, { input: { agentId: registerAgent.id } })).claimSteps).toMatchObject([{ stepKey: "a", attempt: 1 }]);
  });

  it("reportMany (the built-ins' group commit): a report without room undoes the whole batch, not only itself", async () => {
    const { createPlan } = await api.ok(CREATE, { input: { name: "p", steps: [{ key: "a", role: "r" }, { key: "c", role: "r" }] } });
    const { registerAgent } = await api.ok(REGISTER, { input: { name: "w", roles: ["r"], concurrency: 2 } });
    const leases = (await api.ok(CLAIM, { input: { agentId: registerAgent.id, max: 2 } })).claimSteps as { id: string }[];
    const reports = [
      { kind: "complete" as const, leaseId: leases[0]!.id, output: 1 },
      { kind: "complete" as const, leaseId: leases[1]!.id, output: { blob: BIG } },
    ];
    const before = await snapshot(api.store);
    diskFull(api.store);

    expect(await rejected(api.coordinator.reportMany(reports))).toMatchObject({ code: "STORAGE_FULL" });
    expect(await snapshot(api.store)).toEqual(before);
    expect((await api.ok(PLAN, { id: createPlan.id })).plan.steps.map((x: { state: string }) => x.state)).toEqual(["RUNNING", "RUNNING"]);

    diskFreed(api.store);
    expect((await api.coordinator.reportMany(reports)).map((r) => ("step" in r ? r.step.state : r.code))).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(await signalLogHasNoGap(api.store)).toBe(true);
  });

  it("a long-polling claim woken by a commit it cannot follow gets the error itself; the commit that woke it succeeds", async () => {
    const steps = [{ key: "b", role: "s" }, { key: "a", role: "r", dependsOn: ["b"], inputMapping: { blob: "$.input.blob" } }];
    const { createPlan } = await api.ok(CREATE, { input: { name: "p", input: { blob: BIG }, steps } });
    const s = (await api.ok(REGISTER, { input: { name: "s", roles: ["s"] } })).registerAgent.id;
    const r = (await api.ok(REGISTER, { input: { name: "r", roles: ["r"] } })).registerAgent.id;
    const [lease] = (await api.ok(CLAIM, { input: { agentId: s } })).claimSteps;
    const parked = api.exec(CLAIM, { input: { agentId: r, waitMs: 10_000 } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(api.coordinator.waitingClaims).toBe(1);
    diskFull(api.store);

    expect((await api.ok(COMPLETE, { lease: lease.id, output: { ok: true } })).completeStep).toEqual({ key: "b", state: "SUCCEEDED" });
    const woken = await parked;
    expect(woken.errors?.map((e) => e.extensions?.["code"])).toEqual(["STORAGE_FULL"]);
    expect(api.coordinator.waitingClaims).toBe(0);
    expect((await api.ok(PLAN, { id: createPlan.id })).plan.steps).toEqual([
      { key: "b", state: "SUCCEEDED", attempts: 1 },
      { key: "a", state: "READY", attempts: 0 },
    ]);

    diskFreed(api.store);
    expect((await api.ok(CLAIM, { input: { agentId: r } })).claimSteps).toMatchObject([{ stepKey: "a", attempt: 1 }]);
  });
});

describe("a read-only database while running", () => {
  it("every write answers STORAGE_READ_ONLY and writes nothing; writable again, the same requests succeed", async () => {
    const { planId, agentId, leaseId } = await planWithRunningStep();
    const plan = (await api.ok(PLAN, { id: planId })).plan;
    const before = await snapshot(api.store);
    readOnly(api.store, true);

    expect(await failure(CREATE, { input: { name: "p", steps: [{ key: "a", role: "r" }] } })).toEqual(READ_ONLY);
    expect(await failure(COMPLETE, { lease: leaseId, output: 1 })).toEqual(READ_ONLY);
    expect(await failure(PAUSE, { id: planId })).toEqual(READ_ONLY);
    expect(await failure(CLAIM, { input: { agentId } })).toEqual(READ_ONLY);
    expect(await snapshot(api.store)).toEqual(before);
    expect((await api.ok(PLAN, { id: planId })).plan).toEqual(plan); // reads still work
    expect(lines.map((l) => l.err?.code)).toEqual(["SQLITE_READONLY", "SQLITE_READONLY", "SQLITE_READONLY", "SQLITE_READONLY"]);

    readOnly(api.store, false);
    expect((await api.ok(COMPLETE, { lease: leaseId, output: 1 })).completeStep.state).toBe("SUCCEEDED");
    expect((await api.ok(PAUSE, { id: planId })).pausePlan.planVersion).toBe(plan.version + 2);
    expect(await signalLogHasNoGap(api.store)).toBe(true);
  });
});

describe("for the operator", () => {
  it("describeStorageError: one line, what to look at and the code, never the SQL drizzle puts in its message", () => {
    const raw = new Database.SqliteError("database or disk is full", "SQLITE_FULL");
    const line = "the disk holding the database is full (SQLITE_FULL)";
    expect(describeStorageError(raw)).toBe(line);
    expect(describeStorageError(new DrizzleQueryError("insert into signals values (?)", [1], raw))).toBe(line);
    expect(describeStorageError(storageFailure(raw))).toBe(line); // as Store.transact throws it
    expect(describeStorageError(new Database.SqliteError("no such table: x\nmore", "SQLITE_ERROR"))).toBe("no such table: x (SQLITE_ERROR)");
    expect(describeStorageError(new Error("other"))).toBeNull();
  });

  it("openDatabase on a file that is not a database: a DatabaseOpenError naming the file", () => {
    const { file, cleanup } = tempDbFile();
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, "not a database ".repeat(100));
      const e = thrown(() => openDatabase(file));
      expect(e).toBeInstanceOf(DatabaseOpenError);
      expect(e).toMatchObject({ code: "SQLITE_NOTADB", message: `cannot use the database ${file}: the database file is not a SQLite database, or it is damaged (SQLITE_NOTADB)` });
    } finally {
      cleanup();
    }
  });
});

describe("formatError", () => {
  const logger = capturingLogger();
  const format = (e: unknown) => formatError(new GraphQLError("x", { originalError: e as Error }), logger.logger, true);

  it("maps a storage error that met no transaction (a read, drizzle-wrapped or not) and never sends SQL or a stack", () => {
    const raw = new Database.SqliteError("disk I/O error", "SQLITE_IOERR_READ");
    const wrapped = new DrizzleQueryError("select * from plans where id = ?", ["plan_1"], raw);
    for (const e of [raw, wrapped]) {
      expect(format(e)).toMatchObject({ message: "the database could not be read or written: the change was not saved", extensions: { code: "STORAGE_UNAVAILABLE" } });
    }
    expect(format(new Database.SqliteError("attempt to write a readonly database", "SQLITE_READONLY_DIRECTORY")).extensions).toEqual({ code: "STORAGE_READ_ONLY" });
    expect(logger.lines.at(-1)!.msg).toBe(
      "storage failure: the database is read-only: Baton must be able to write the file and its folder (for the -wal and -shm files) (SQLITE_READONLY_DIRECTORY)",
    );
  });

  it("leaves other SQLite errors masked", () => {
    expect(format(new Database.SqliteError("no such table: x", "SQLITE_ERROR"))).toMatchObject({ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } });
  });
});
