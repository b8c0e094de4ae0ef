/**
 * Counts of what the database holds now, read when metrics are scraped (src/metrics/metrics.ts):
 * plans by state, steps by state and role, the signal log's size. Read-only, one query each.
 */
import { query, type Sql } from "./sql.js";

const Q = {
  plansByState: query<[], { state: string; n: number }>("counts.plansByState", "SELECT state, count(*) AS n FROM plans GROUP BY state"),
  stepsByState: query<[], { state: string; role: string; n: number }>("counts.stepsByState", "SELECT state, role, count(*) AS n FROM steps GROUP BY state, role"),
  logSize: query<[], { n: number | null }>("counts.logSize", "SELECT max(sequence) AS n FROM signals"),
};

export class CountRepository {
  constructor(private readonly sql: Sql) {}

  /** Plans per state (states without a plan are left out). */
  async plansByState(): Promise<{ state: string; n: number }[]> {
    return this.sql.all(Q.plansByState);
  }

  /** Steps per (state, role) (pairs without a step are left out). */
  async stepsByState(): Promise<{ state: string; role: string; n: number }[]> {
    return this.sql.all(Q.stepsByState);
  }

  /** The signal log's last sequence number, 0 when it is empty. */
  async signalLogSize(): Promise<number> {
    return (await this.sql.get(Q.logSize))?.n ?? 0;
  }
}
