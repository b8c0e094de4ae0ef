import { createRequire } from "node:module";
import pg from "pg";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

const POSTGRES_URL = process.env["BATON_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

/** The suites that run a second time on PostgreSQL (BATON_TEST_DATABASE=postgres). */
const POSTGRES_SUITES = [
  "test/postgres/**/*.test.ts",
  "test/store/**/*.test.ts",
  "test/coordinator/**/*.test.ts",
  "test/api/**/*.test.ts",
  "test/webhooks/**/*.test.ts",
  "test/e2e/**/*.test.ts",
];
/** Tests of SQLite itself (its file, pragmas, full disk) or of the default setup: SQLite only. */
const SQLITE_ONLY = [
  "test/coordinator/storage-background.test.ts",
  // a full disk and a read-only database made with SQLite's pragmas, and SQLite's own errors
  "test/store/storage-errors.test.ts",
  // the file's pragmas, one writer at a time, the WAL checkpointer
  "test/store/sqlite.test.ts",
  // `baton backup` copies the SQLite file (on PostgreSQL it points to pg_dump: test/postgres/gateway.test.ts)
  "test/e2e/backup.test.ts",
  // a SQLite file the gateway cannot write at start (file modes, SQLite's codes)
  "test/e2e/storage-start.test.ts",
  // the README's quick start as written: `npm start` with no settings, on the default SQLite file
  "test/e2e/readme.test.ts",
];

/** The console in a real browser (Chromium driven by Playwright; test/helpers/browser.ts). */
const BROWSER = [
  "test/console/console.test.ts",
  "test/console/graphiql.test.ts",
  "test/console/reconnect.test.ts",
  "test/console/bulk.test.ts",
  "test/console/checkpoints.test.ts",
  "test/console/interventions.test.ts",
  "test/console/pages.test.ts",
  "test/console/admin.test.ts",
];

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
      { extends: true, test: { name: "sqlite", include: ["test/**/*.test.ts"], exclude: ["test/postgres/**", ...BROWSER], sequence: { groupOrder: 0 } } },
      // last, on their own: Chromium beside the latency-bound security tests would disturb them
      { extends: true, test: { name: "browser", include: BROWSER, sequence: { groupOrder: 2 } } },
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
