/**
 * A TCP proxy in front of the test's PostgreSQL server, for gateways whose BATON_DATABASE_URL is
 * its `url`: the database can be cut off from them (every connection closed, new ones refused)
 * and restored on the same address, without touching the server that other test files share.
 * The server sees each proxied connection come from the proxy's side of it:
 * `pg_stat_activity.client_port` is one of `upstreamPorts()`, which tells the backends of the
 * gateways behind it from everyone else's.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { TEST_POSTGRES_URL } from "./database.js";
import { freePort } from "./process.js";

export interface PostgresProxy {
  /** TEST_POSTGRES_URL with the proxy's address. */
  url: string;
  /** Closes every connection and stops accepting new ones (they are refused). */
  cut(): void;
  /** Accepts connections again, on the same address. */
  restore(): Promise<void>;
  /** The local ports of the open connections to the server (pg_stat_activity.client_port of their backends). */
  upstreamPorts(): number[];
  close(): Promise<void>;
}

export async function postgresProxy(): Promise<PostgresProxy> {
  const target = new URL(TEST_POSTGRES_URL);
  const sockets = new Set<Socket>();
  const upstreams = new Set<Socket>();
  let server: Server | null = null;
  const pair = (client: Socket): void => {
    const upstream = createConnection(Number(target.port || 5432), target.hostname);
    upstreams.add(upstream);
    for (const [s, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        sockets.delete(s);
        upstreams.delete(s);
        other.destroy(); // one side gone (an error, a reset): the other goes too
      });
    }
    client.pipe(upstream).pipe(client);
  };
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const s = createServer(pair);
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        s.off("error", reject);
        server = s;
        resolve((s.address() as { port: number }).port);
      });
    });
  // Below the ephemeral range (freePort), so that no outgoing connection takes the port while cut.
  let port = 0;
  for (let attempt = 1; port === 0; attempt++) {
    port = await listen(await freePort()).catch((e: unknown) => {
      if (attempt >= 5) throw e;
      return 0;
    });
  }
  const url = new URL(TEST_POSTGRES_URL);
  url.host = `127.0.0.1:${port}`;
  const cut = (): void => {
    server?.close();
    server = null;
    for (const s of sockets) s.destroy();
  };
  return {
    url: url.toString(),
    cut,
    restore: async () => {
      if (!server) await listen(port);
    },
    upstreamPorts: () => [...upstreams].map((s) => s.localPort).filter((p): p is number => p !== undefined),
    close: async () => cut(),
  };
}
