import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** How often the checkpointer copies the write-ahead log into the database file. */
const INTERVAL_MS = 100;
/**
 * The main connection's own automatic checkpoint, left as a backstop: it only fires if the
 * checkpointer falls this far behind (pages, ~32 MB of log) or has stopped.
 */
const BACKSTOP_CHECKPOINT_PAGES = 8_000;
/** SQLite's default, restored when the checkpointer cannot run. */
const DEFAULT_CHECKPOINT_PAGES = 1_000;

// CommonJS, run with `eval`: the one-file server bundle has no separate file to point a worker at.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
const timer = setInterval(() => db.pragma("wal_checkpoint(PASSIVE)"), workerData.intervalMs);
parentPort.once("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * SQLite in WAL mode appends each commit to the log and, every 1,000 pages, copies the log into
 * the database file (a checkpoint), which ends in an fsync. better-sqlite3 runs all of that on
 * the thread that committed: the event loop. Under a refresh load that was a pause every ~170
 * commits, ~80 µs per commit on average. Here a worker thread with its own connection runs the
 * checkpoints (PASSIVE: it never blocks the writer); the main connection's automatic checkpoint
 * stays as a backstop at a larger size and returns to the default if the worker fails.
 */
export function startSqliteCheckpointer(
  database: { pragma(source: string): unknown },
  file: string,
): { stop(): Promise<void> } {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, file, intervalMs: INTERVAL_MS },
    // The worker holds one connection and a timer: a small heap is plenty.
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
  });
  worker.unref();
  database.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  worker.on("error", (error) => {
    try {
      database.pragma(`wal_autocheckpoint = ${DEFAULT_CHECKPOINT_PAGES}`);
    } catch {
      // Already closed: nothing left to checkpoint.
    }
    process.emitWarning(
      `SQLite checkpointer stopped; checkpoints return to the main thread: ${error.message}`,
    );
  });
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    async stop() {
      // Referenced again while it closes: an unreferenced worker would let the process exit
      // before the worker answers, with this promise never settled.
      worker.ref();
      // A worker that already failed has exited: the message goes nowhere, and `exited` is settled.
      worker.postMessage("stop");
      await exited;
    },
  };
}
