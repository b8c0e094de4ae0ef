/**
 * The PostgreSQL tier's global teardown: drops the test schemas the run left behind (a test that
 * failed before closing its store, a database named by a file for restarts).
 */
import pg from "pg";

const URL = process.env["BATON_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

export async function teardown(): Promise<void> {
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>("SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'baton\\_test\\_%'");
    for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
}
