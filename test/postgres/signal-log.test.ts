/**
 * The signal log on PostgreSQL keeps SQLite's promises with concurrent writers: sequences are
 * consecutive (rolled-back appends leave no hole) and in commit order, so a reader that has seen
 * N never later finds a committed signal below N. Writers: two stores (two gateways' pools) of
 * several connections each, appending one to three signals per transaction, some rolled back.
 */
import { describe, expect, it } from "vitest";
import type { SignalModel } from "../../src/domain/model.js";
import type { Store } from "../../src/store/store.js";
import { eachSharedDatabase } from "../helpers/database.js";

const signal = (sender: string, n: number): Omit<SignalModel, "sequence"> => ({
  kind: "CUSTOM",
  name: `s${n}`,
  planId: null,
  stepKey: null,
  agentId: null,
  sender,
  recipient: null,
  payload: { n },
  at: Date.now(),
});

class Rollback extends Error {}

describe("the signal log on PostgreSQL", () => {
  const db = eachSharedDatabase();

  it("stays gapless in commit order while two gateways' connections append and a reader follows", async () => {
    const a = await db.open();
    const b = await db.open();
    let committed = 0;
    let rolledBack = 0;
    const writer = async (store: Store, name: string, transactions: number): Promise<void> => {
      for (let i = 0; i < transactions; i++) {
        const n = 1 + (i % 3);
        try {
          await store.transact(async (s) => {
            // one by one, or all at once as a transaction's flush writes them (appendMany)
            if (i % 2 === 0) await s.signals.appendMany(Array.from({ length: n }, () => signal(name, i)));
            else for (let k = 0; k < n; k++) await s.signals.append(signal(name, i));
            if (i % 7 === 3) throw new Rollback(); // appended, then rolled back: no hole may remain
          });
          committed += n;
        } catch (e) {
          if (!(e instanceof Rollback)) throw e;
          rolledBack += n;
        }
      }
    };
    let done = false;
    const seen: number[] = [];
    const reader = (async () => {
      let last = 0;
      for (;;) {
        const finished = done; // read once more after the writers are done
        const page = await a.queries.signals.read({}, last, 500);
        for (const s of page) {
          // the next committed signal is always last + 1: nothing below it can appear later
          expect(s.sequence).toBe(last + 1);
          last = s.sequence;
          seen.push(s.sequence);
        }
        if (finished && page.length === 0) return;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const writers = [0, 1, 2, 3].map((w) => writer(w % 2 === 0 ? a : b, `writer-${w}`, 60));
    await Promise.all(writers);
    done = true;
    await reader;
    expect(rolledBack).toBeGreaterThan(0);
    expect(seen.length).toBe(committed);
    expect(await b.queries.signals.head()).toBe(committed);
  });

  it("hands a transaction's signals consecutive sequences, in the order it appended them", async () => {
    const store = await db.open();
    const got = await store.transact(async (s) => [await s.signals.append(signal("t", 1)), await s.signals.append(signal("t", 2)), await s.signals.append(signal("t", 3))]);
    expect(got.map((s) => s.sequence)).toEqual([1, 2, 3]);
  });
});
