/** Gateways for the HTTP scenarios: in this process on a free port, and `baton serve` processes beside it. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { pino } from "pino";
import { loadConfig } from "../src/config.js";
import { createApp, type App } from "../src/server/app.js";
import { packageRoot } from "../src/store/database.js";
import { benchDatabase, type Backend, type BenchDatabase } from "./backends.js";

export interface Gateway {
  app: App;
  url: string;
  /** Every gateway's URL, this one's first (others are `baton serve` processes on the same database). */
  urls: string[];
  /** An admin token (authentication on), else null. */
  token: string | null;
  stop(): Promise<void>;
}

/**
 * With `auth`, authentication and the per-token request budget are on as in production (the
 * budget raised so that it counts every request but refuses none): the cost of checking them.
 * The database goes in a new folder under `dir` (the system's temporary folder by default).
 * With `processes` > 1 (PostgreSQL only), that many gateways in all: this one, then the others
 * each a `baton serve` process of its own on the same schema, with the same settings.
 */
export async function startGateway(auth = false, dir?: string, backend: Backend = "sqlite", processes = 1): Promise<Gateway> {
  if (processes > 1 && backend !== "postgres") throw new Error("several gateways share a PostgreSQL database only");
  const db = benchDatabase(backend, dir);
  const gw = await startOn(db, auth); // migrates the schema before the others start
  const others: GatewayProcess[] = [];
  const stopOthers = async (): Promise<void> => {
    for (const p of others) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
    await Promise.all(others.map((p) => p.exited));
  };
  try {
    for (let i = 1; i < processes; i++) others.push(serveProcess({ ...gatewayEnv(db, auth), BATON_PORT: "0" }));
    const urls = await Promise.all(others.map(async (p) => (await p.listening).url));
    return {
      ...gw,
      urls: [gw.url, ...urls],
      stop: async () => {
        await stopOthers();
        await gw.stop();
        await db.drop();
      },
    };
  } catch (e) {
    await stopOthers();
    await gw.stop();
    await db.drop();
    throw e;
  }
}

/** `n` gateways on one fresh PostgreSQL database (several processes' worth, in this one). */
export async function startGateways(n: number): Promise<{ gateways: Gateway[]; stop(): Promise<void> }> {
  const db = benchDatabase("postgres");
  const gateways: Gateway[] = [];
  for (let i = 0; i < n; i++) gateways.push(await startOn(db, false));
  return {
    gateways,
    stop: async () => {
      for (const g of gateways) await g.stop();
      await db.drop();
    },
  };
}

/** A gateway's settings on `db`, with or without authentication and its request budget. */
function gatewayEnv(db: BenchDatabase, auth: boolean): Record<string, string> {
  const env: Record<string, string> = auth ? { BATON_TOKEN_RATE_LIMIT: "1000000000/1s" } : { BATON_AUTH: "off" };
  return { BATON_LOG_LEVEL: "error", ...db.env, ...env };
}

async function startOn(db: BenchDatabase, auth: boolean): Promise<Gateway> {
  const config = loadConfig({ BATON_PORT: "0", ...gatewayEnv(db, auth) });
  const app = await createApp(config, { logger: pino({ level: "silent" }) });
  const { url } = await app.start();
  const token = auth ? (await app.coordinator.tokens.create({ name: "bench", role: "admin" }, "bench")).token : null;
  return { app, url, urls: [url], token, stop: () => app.stop() };
}

const CLI = join(packageRoot(), "dist", "src", "cli", "main.js");

export interface GatewayProcess {
  child: ChildProcess;
  /** From the spawn to its "listening" line (ms), and the URL that line names. */
  listening: Promise<{ ms: number; url: string }>;
  exited: Promise<unknown>;
}

/** `baton serve` (dist/) in a process of its own: this process's environment with `env` over it. */
export function serveProcess(env: Record<string, string>): GatewayProcess {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, "serve"], {
    env: { ...process.env, BATON_LOG_LEVEL: "error", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  // A benchmark that fails half-way exits without stopping it: it must not outlive this process.
  const reap = (): void => void child.kill("SIGKILL");
  process.once("exit", reap);
  void exited.then(() => process.off("exit", reap));
  const listening = new Promise<{ ms: number; url: string }>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)\s/.exec(out); // the whole URL: a chunk may end inside it
      if (m) resolve({ ms: performance.now() - t0, url: m[1]! });
    });
    void exited.then(() => reject(new Error(`gateway exited before listening: ${out}`)));
  });
  return { child, listening, exited };
}
