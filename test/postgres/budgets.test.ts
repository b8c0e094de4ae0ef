/**
 * The request budget of a token holds for every gateway on the database together (PostgreSQL):
 * two real gateways on one schema, one token, requests spread over both. On SQLite (one process)
 * it is counted in memory, as test/e2e/limits.test.ts checks.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "../helpers/gateway.js";

const ADMIN = "a".repeat(40);

describe("request budgets across gateways", () => {
  const gateways: Gateway[] = [];
  afterEach(async () => {
    for (const g of gateways.splice(0)) await g.stop();
  });

  it("counts one token's requests on every gateway against one budget", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-budget-")); // one database: the schema is named by the folder's file
    const env = { BATON_ADMIN_TOKEN: ADMIN, BATON_TOKEN_RATE_LIMIT: "6/1h" };
    const [a, b] = [await startGateway({ env, dir }), await startGateway({ env, dir })];
    gateways.push(a, b);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await (i % 2 ? b : a).post("{ plans { totalCount } }", {}, ADMIN)).status);
    // six in the hour for the token, whichever gateway served them (each alone would allow six)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
  });
});
