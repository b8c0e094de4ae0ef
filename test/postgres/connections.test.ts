/**
 * Lost connections on PostgreSQL: the server ends the gateway's connections (as a restart or a
 * failover does; here pg_terminate_backend on this store's own connections). A unit of work met
 * by it fails with STORAGE_UNAVAILABLE and saves nothing; the next ones run on new connections.
 * A start against a server that does not answer fails within the timeout, naming the database
 * with its password masked.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { isBatonError } from "../../src/domain/errors.js";
import { openPostgresStore, PostgresOpenError } from "../../src/store/postgres-database.js";
import type { PostgresStore } from "../../src/store/postgres-store.js";
import { dropSchema, TEST_POSTGRES_URL } from "../helpers/database.js";

const schema = `baton_test_conn_${randomBytes(4).toString("hex")}`;
const app = `baton-test-${randomBytes(4).toString("hex")}`;

/** Ends every connection of this store's pool (the ones the server shows under its application_name). */
async function terminate(): Promise<number> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    const r = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [app]);
    return r.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

describe("connections to PostgreSQL", () => {
  let store: PostgresStore | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
    await dropSchema(schema);
  });

  it("reconnects after the server ended its connections; a unit of work cut off is STORAGE_UNAVAILABLE and saved nothing", async () => {
    store = await openPostgresStore({ url: TEST_POSTGRES_URL, poolSize: 3, schema, applicationName: app });
    const s = store;
    const head = () => s.queries.signals.head();
    const append = (name: string) =>
      s.transact((tx) => tx.signals.append({ kind: "CUSTOM", name, planId: null, stepKey: null, agentId: null, sender: "t", recipient: null, payload: null, at: 0 }));
    await append("before");
    expect(await head()).toBe(1);

    // Idle connections the server ended: the next unit of work begins on a new one.
    expect(await terminate()).toBeGreaterThan(0);
    await append("after a restart");
    expect(await head()).toBe(2);

    // A connection ended in the middle of a transaction: refused with a storage code, nothing saved.
    const cut = await s
      .transact(async (tx) => {
        await tx.signals.append({ kind: "CUSTOM", name: "cut off", planId: null, stepKey: null, agentId: null, sender: "t", recipient: null, payload: null, at: 0 });
        await terminate();
        await tx.signals.head();
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isBatonError(cut) && cut.code).toBe("STORAGE_UNAVAILABLE");
    expect(await head()).toBe(2);
    await append("and again");
    expect((await s.queries.signals.read({}, 0, 10)).map((x) => x.name)).toEqual(["before", "after a restart", "and again"]);
    expect((await s.queries.signals.read({}, 0, 10)).map((x) => x.sequence)).toEqual([1, 2, 3]);
  });

  it("fails to start within its timeout against a server that does not answer, naming the database without its password", async () => {
    const started = Date.now();
    const err = await openPostgresStore({ url: "postgres://baton:s3cret@127.0.0.1:1/nowhere", poolSize: 1, schema, connectTimeoutMs: 2_000 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PostgresOpenError);
    expect((err as Error).message).toContain("postgres://baton:***@127.0.0.1:1/nowhere");
    expect((err as Error).message).not.toContain("s3cret");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
