/**
 * Counts of what the database holds now, read when metrics are scraped (src/metrics/metrics.ts):
 * plans by state, steps by state and role, the signal log's size. Read-only, one query each.
 */
import type Database from "better-sqlite3";

export class CountRepository {
  private readonly stmt;

  constructor(sqlite: Database.Database) {
    this.stmt = {
      plansByState: sqlite.prepare<[], { state: string; n: number }>("SELECT state, count(*) AS n FROM plans GROUP BY state"),
      stepsByState: sqlite.prepare<[], { state: string; role: string; n: number }>("SELECT state, role, count(*) AS n FROM steps GROUP BY state, role"),
      logSize: sqlite.prepare<[], { n: number | null }>("SELECT max(sequence) AS n FROM signals"),
    };
  }

  /** Plans per state (states without a plan are left out). */
  plansByState(): { state: string; n: number }[] {
    return this.stmt.plansByState.all();
  }

  /** Steps per (state, role) (pairs without a step are left out). */
  stepsByState(): { state: string; role: string; n: number }[] {
    return this.stmt.stepsByState.all();
  }

  /** The signal log's last sequence number, 0 when it is empty. */
  signalLogSize(): number {
    return this.stmt.logSize.get()?.n ?? 0;
  }
}
