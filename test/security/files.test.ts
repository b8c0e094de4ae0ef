/**
 * What the gateway writes to disk holds webhook secrets and token hashes: the database, its
 * -wal and -shm files, the admin token, backups and the data folder are its owner's only —
 * checked on the real process, and on a database left world-readable by an older version.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { startTarget, type Target } from "../helpers/attack.js";
import { CLI } from "../helpers/process.js";

const mode = (file: string): number => statSync(file).mode & 0o777;

let target: Target;
beforeAll(async () => {
  target = await startTarget();
});
afterAll(() => target?.stop());

describe("files on disk", () => {
  it("creates the database, its sidecars and the admin token for its owner only", async () => {
    const r = await target.post(`mutation { registerWebhook(url: "https://hooks.example.com/x", kinds: [PLAN_COMPLETED]) { secret } }`);
    expect(r.body.errors).toBeUndefined();
    for (const f of [target.db, `${target.db}-wal`, `${target.db}-shm`, join(target.dir, "admin.token")]) {
      expect(existsSync(f)).toBe(true);
      expect([f, mode(f)]).toEqual([f, 0o600]);
    }
  });

  it("writes backups for their owner only", () => {
    const copy = join(mkdtempSync(join(tmpdir(), "baton-backup-")), "copy.db");
    const res = spawnSync(process.execPath, [CLI, "backup", copy], { env: { ...process.env, BATON_DB: target.db }, encoding: "utf8" });
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(mode(copy)).toBe(0o600);
  });

  it("tightens a database an older version left readable by others", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-old-"));
    const db = join(dir, "baton.db");
    await openDatabase(db).close();
    chmodSync(db, 0o644);
    const again = openDatabase(db);
    expect(mode(db)).toBe(0o600);
    for (const f of [`${db}-wal`, `${db}-shm`]) if (existsSync(f)) expect(mode(f)).toBe(0o600);
    await again.close();
  });
});
