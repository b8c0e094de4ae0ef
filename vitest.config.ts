import { createRequire } from "node:module";
import pg from "pg";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

const POSTGRES_URL = process.env["BATON_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

/** The suites that run a second time on PostgreSQL (BATON_TEST_DATABASE=postgres). */
const POSTGRES_SUITES = ["test/postgres/**/*.test.ts", "test/coordinator/**/*.test.ts", "test/api/**/*.test.ts", "test/webhooks/**/*.test.ts"];
/** Tests of SQLite itself (its file, pragmas, full disk): SQLite only. */
const SQLITE_ONLY = ["test/coordinator/storage-background.test.ts"];

/**
 * Whether the PostgreSQL tier runs: a server must answer. Without one it is skipped with a notice,
 * except under CI=true, where a missing server fails the run.
 */
async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch (e) {
    const why = `no PostgreSQL answers at ${POSTGRES_URL} (${(e as Error).message})`;
    if (process.env["CI"] === "true") throw new Error(`${why}: CI=true needs the PostgreSQL tier`);
    process.stderr.write(`\n  NOTICE: the PostgreSQL tier is skipped: ${why}\n\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const postgres = await postgresAnswers();

export default defineConfig({
  resolve: {
    // graphql must be loaded once: the ESM and CJS builds are different realms.
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    projects: [
      { extends: true, test: { name: "sqlite", include: ["test/**/*.test.ts"], exclude: ["test/postgres/**"], sequence: { groupOrder: 0 } } },
      ...(postgres
        ? [
            {
              extends: true as const,
              test: {
                name: "postgres",
                include: POSTGRES_SUITES,
                exclude: SQLITE_ONLY,
                env: { BATON_TEST_DATABASE: "postgres" },
                // after the SQLite tier, not beside it: the security tier's latency bounds hold
                // on a machine not also busy with PostgreSQL
                sequence: { groupOrder: 1 },
                globalSetup: ["test/setup/postgres.ts"],
              },
            },
          ]
        : []),
    ],
  },
});
