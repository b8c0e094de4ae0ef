/**
 * WAL checkpoints off the main thread. SQLite's automatic checkpoint runs inside whichever
 * commit crosses the threshold and syncs the database file there: a commit that usually takes
 * 0.1 ms then takes several. A worker thread with its own connection runs PASSIVE checkpoints
 * (they never block writers) once a second instead; the connection's automatic checkpoint stays
 * on at a much larger threshold as a safety net.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

const require = createRequire(import.meta.url);

/** The worker's code, plain CommonJS so that it runs from src/ (tests) and dist/ alike. */
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { statSync } = require("node:fs");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 1000");
const pageSize = db.pragma("page_size", { simple: true });
const WAL_HEADER = 32, FRAME_HEADER = 24;
const walSize = () => { try { return statSync(workerData.file + "-wal").size; } catch { return 0; } };
let checkpointedAt = 0;
const timer = setInterval(() => {
  const size = walSize();
  // After a full checkpoint the next commit rewinds the WAL: its size drops, then grows again.
  if (size < checkpointedAt) checkpointedAt = 0;
  if (size - checkpointedAt < workerData.walBytes) return;
  try {
    // Only a checkpoint that copied the whole log moves the mark: one that ran during a commit
    // copied what was committed before it, and the rest is copied on the next tick. The mark is
    // where the committed frames end, not the file's size: a transaction under way may have
    // written frames past them already (its pages spilled), to be checkpointed once committed.
    const [r] = db.pragma("wal_checkpoint(PASSIVE)");
    if (r.busy === 0 && r.checkpointed === r.log) checkpointedAt = WAL_HEADER + r.log * (pageSize + FRAME_HEADER);
  } catch { /* busy: next time */ }
}, 250);
parentPort.on("message", () => { clearInterval(timer); db.close(); process.exit(0); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, walBytes = 4 * 1024 * 1024): Checkpointer {
  const worker = new Worker(WORKER, { eval: true, workerData: { file, walBytes, driver: require.resolve("better-sqlite3") } });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    stop() {
      worker.ref(); // keep the process alive until the worker has closed its connection
      worker.postMessage("stop");
      return exited;
    },
  };
}
