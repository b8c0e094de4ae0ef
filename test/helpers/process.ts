import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/store/database.js";

export const CLI = join(packageRoot(), "dist", "src", "cli", "main.js");

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

export const tempDb = (): string => join(mkdtempSync(join(tmpdir(), "baton-")), "baton.db");

/** Runs the compiled gateway (`baton serve`) as a real process on a free port. */
export function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, "serve"], {
    env: { ...process.env, BATON_PORT: "0", BATON_DB: tempDb(), BATON_LOG_LEVEL: "warn", ...env },
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
