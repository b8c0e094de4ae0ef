import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/store/database.js";
import { gatewayDatabase } from "./database.js";

export const CLI = join(packageRoot(), "dist", "src", "cli", "main.js");

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

export const tempDb = (): string => join(mkdtempSync(join(tmpdir(), "baton-")), "baton.db");

/**
 * Runs the compiled gateway (`baton serve`) as a real process on a free port, in production mode
 * as users run it (vitest sets NODE_ENV=test, which libraries such as Apollo Server treat apart).
 * Its database is the test's (gatewayDatabase): the file of BATON_DB or a new one, on the
 * PostgreSQL tier the schema named by that file, so that a restart with the same BATON_DB finds
 * its data. A test that sets BATON_DATABASE_URL chose its database itself.
 */
export function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const database = env["BATON_DATABASE_URL"] ? {} : gatewayDatabase(env["BATON_DB"] ?? tempDb());
  const child = spawn(process.execPath, [CLI, "serve"], {
    env: { ...process.env, NODE_ENV: "production", BATON_AUTH: "off", BATON_PORT: "0", ...database, BATON_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, exited, stderr: () => err });
    });
    void exited.then(({ code }) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

/**
 * A TCP port free on 127.0.0.1 right now, for a server that must come back on the same port
 * after a restart (BATON_PORT). It is taken below the kernel's ephemeral range (32768+ on
 * Linux), so that no outgoing connection is given it as its local port while the server is down.
 */
export async function freePort(): Promise<number> {
  const tryListen = (port: number): Promise<number | null> =>
    new Promise((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(null));
      probe.listen(port, "127.0.0.1", () => {
        const taken = (probe.address() as { port: number }).port;
        probe.close(() => resolve(taken));
      });
    });
  for (let i = 0; i < 50; i++) {
    const port = await tryListen(20_000 + Math.floor(Math.random() * 12_000));
    if (port !== null) return port;
  }
  return (await tryListen(0))!; // any free port (in the ephemeral range)
}
