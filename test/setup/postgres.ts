/**
 * The PostgreSQL tier's global setup and teardown. Each run marks its test schemas with its own
 * id (this process's pid), given to the test files with `provide`: the teardown drops the schemas
 * this run left behind (a test that failed before closing its store, a database named by a file
 * for restarts) and those of runs that are no longer alive, never those of another run still
 * going on the same server (a second worktree's tests).
 */
import pg from "pg";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** This run's mark in its schemas' names (test/helpers/database.ts). */
    batonTestRun: string;
  }
}

const URL = process.env["BATON_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

export function setup(project: TestProject): void {
  project.provide("batonTestRun", String(process.pid));
}

/** Whether a process of this machine has this pid (signal 0 checks without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function teardown(): Promise<void> {
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>("SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'baton\\_test\\_r%'");
    for (const { name } of rows) {
      const run = Number(/^baton_test_r(\d+)_/.exec(name)?.[1]);
      if (!run || (run !== process.pid && alive(run))) continue;
      await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    }
  } finally {
    await client.end();
  }
}
