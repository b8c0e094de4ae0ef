/**
 * Back-pressure on one WebSocket (src/server/pacing.ts) against a fake socket whose buffered
 * amount the test controls, and the exact count of open operations (src/server/operations.ts).
 */
import { describe, expect, it } from "vitest";
import { OpenOperations } from "../../src/server/operations.js";
import { Pacer, STALLED_CLOSE_CODE, type PacedSocket } from "../../src/server/pacing.js";
import { waitFor } from "../helpers/fixtures.js";

/** A socket that buffers everything written until `drain(n)` lets n bytes through. */
class FakeSocket implements PacedSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  written: string[] = [];
  closedWith: [number, string] | null = null;
  terminated = false;
  private callbacks: (() => void)[] = [];

  send(data: string, cb: (err?: Error) => void): void {
    this.written.push(data);
    this.bufferedAmount += data.length;
    this.callbacks.push(() => cb());
  }
  /** The client read `bytes`: write callbacks fire. */
  drain(bytes: number): void {
    this.bufferedAmount = Math.max(0, this.bufferedAmount - bytes);
    for (const cb of this.callbacks.splice(0)) cb();
  }
  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
    this.readyState = 2;
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
}

const KB = "x".repeat(1024);

async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe("Pacer", () => {
  it("writes at once below the high-water mark, then holds every send, in order, until the buffer drains to half", async () => {
    const socket = new FakeSocket();
    const pacer = new Pacer(socket, { highWaterBytes: 4 * 1024, stallTimeoutMs: 60_000 });
    for (let i = 0; i < 5; i++) expect(await settled(pacer.send(`${i}${KB.slice(1)}`))).toBe(true); // 1 KiB each: the 5th passes the mark
    expect(pacer.paused).toBe(true);
    const held = [pacer.send(`5${KB}`), pacer.send(`6${KB}`), pacer.send(`7${KB}`)];
    expect(await Promise.all(held.map(settled))).toEqual([false, false, false]);
    expect(socket.written).toHaveLength(5); // nothing more handed to the socket while paused
    socket.drain(1024); // still over half the mark
    expect(await settled(held[0]!)).toBe(false);
    socket.drain(2 * 1024); // at half: resume, writing in order until over the mark again
    await waitFor(() => !pacer.paused || socket.written.length > 5);
    expect(socket.written.map((d) => d[0])).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"].slice(0, socket.written.length));
    socket.drain(1_000_000);
    await Promise.all(held);
    expect(socket.written.map((d) => d[0])).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
    expect(pacer.paused).toBe(false);
    expect(await settled(pacer.send("8"))).toBe(true);
    pacer.closed();
  });

  it("notices a drain without write callbacks (by polling)", async () => {
    const socket = new FakeSocket();
    const pacer = new Pacer(socket, { highWaterBytes: 1024, stallTimeoutMs: 60_000 });
    await pacer.send(`a${KB}`);
    const held = pacer.send("b");
    socket.bufferedAmount = 0; // drained, no callback
    await held;
    expect(socket.written).toEqual([`a${KB}`, "b"]);
    pacer.closed();
  });

  it("closes a connection that stays over the mark for the stall timeout with 1013, drops it if unread, and lets every waiting send go", async () => {
    const socket = new FakeSocket();
    let stalledAt: number | null = null;
    const pacer = new Pacer(socket, { highWaterBytes: 1024, stallTimeoutMs: 100, onStall: (bytes) => (stalledAt = bytes) });
    await pacer.send(`a${KB}`);
    const held = [pacer.send("b"), pacer.send("c")];
    socket.drain(100); // some reading, never down to half
    await waitFor(() => socket.closedWith !== null, 5_000);
    expect(socket.closedWith?.[0]).toBe(STALLED_CLOSE_CODE);
    expect(socket.closedWith?.[1].length).toBeLessThanOrEqual(123); // a close reason's limit
    expect(stalledAt).toBeGreaterThan(512);
    const late = pacer.send("d");
    // Until the socket has closed, sends wait: the operations produce nothing more.
    expect(await Promise.all([...held, late].map(settled))).toEqual([false, false, false]);
    await waitFor(() => socket.terminated, 5_000); // the client did not read the close frame either
    pacer.closed(); // the socket's close event
    await Promise.all([...held, late]); // dropped
    expect(socket.written).toEqual([`a${KB}`]);
  });

  it("a socket closed while paused lets every waiting send go", async () => {
    const socket = new FakeSocket();
    const pacer = new Pacer(socket, { highWaterBytes: 1024, stallTimeoutMs: 60_000 });
    await pacer.send(`a${KB}`);
    const held = [pacer.send("b"), pacer.send("c")];
    socket.readyState = 3;
    pacer.closed();
    await Promise.all(held);
    expect(socket.written).toEqual([`a${KB}`]);
    expect(socket.closedWith).toBeNull();
  });
});

describe("OpenOperations", () => {
  it("counts a burst in arrival order: exactly those over the limit are refused; ended ones make room", () => {
    const ops = new OpenOperations(100);
    const graphqlWs: { subscriptions: Record<string, unknown> } = { subscriptions: {} };
    const refused: string[] = [];
    for (let i = 0; i < 101; i++) {
      graphqlWs.subscriptions[String(i)] = null; // graphql-ws holds every message of the burst
      if (!ops.reserve(graphqlWs, String(i))) refused.push(String(i));
    }
    expect(refused).toEqual(["100"]);
    expect(ops.count(graphqlWs)).toBe(100);
    delete graphqlWs.subscriptions["100"]; // its error sent
    const arrive = (id: string): boolean => {
      graphqlWs.subscriptions[id] = null;
      const ok = ops.reserve(graphqlWs, id);
      if (!ok) delete graphqlWs.subscriptions[id];
      return ok;
    };
    ops.release(graphqlWs, "5"); // ended (or refused later by a check)
    expect(arrive("101")).toBe(true);
    expect(arrive("102")).toBe(false);
    delete graphqlWs.subscriptions["7"]; // completed by the client, no hook seen
    expect(arrive("102")).toBe(true);
    expect(ops.count(graphqlWs)).toBe(100);
    expect(ops.count({ subscriptions: {} })).toBe(0); // per connection
  });
});
