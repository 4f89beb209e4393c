// Start-up time: from spawning the server process to its first 200 on /healthz, for the
// one-file bundle (`npm start`, the `tessera-server` command), tsc's per-module output and the
// sources through tsx, on an existing SQLite data directory (the first start also creates the
// schema, an RSA key and the administrator's argon2id hash, so it is reported apart).
// Also the server's own `startup_ms` (database, keys, routes; after the modules are loaded).
// Usage: npm run bench:startup [-- runs]   (after npm run build)
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { SERVER_BUNDLE, spawnServer } from "../packages/server/test/support/server-process.js";
import { freePort } from "../packages/server/test/support/test-server.js";
import { machine } from "./run-load.js";
import { waitForHealthz } from "./server-processes.js";

const runs = Number(process.argv[2] ?? 7);
const MAIN_JS = resolve(import.meta.dirname, "../packages/server/dist/main.js");
// The entry each start runs; undefined: the sources through tsx.
const entries: [string, string | undefined][] = [
  ["bundle   dist/tessera-server.mjs", SERVER_BUNDLE],
  ["tsc      dist/main.js", MAIN_JS],
  ["sources  src/main.ts via tsx", undefined],
];
if (!existsSync(SERVER_BUNDLE)) throw new Error("run `npm run build` first: the bundle is missing");

const dataDir = mkdtempSync(join(tmpdir(), "tessera-bench-startup-"));
const env = {
  TESSERA_DATA_DIR: dataDir,
  TESSERA_ADMIN_PASSWORD: "benchmark password",
  TESSERA_LOG_LEVEL: "info",
};

/** Milliseconds to the first healthy answer, and the server's own startup_ms. */
async function startOnce(entry: string | undefined): Promise<{ ready: number; own: number }> {
  const port = await freePort();
  const started = performance.now();
  const server = spawnServer(
    { ...env, TESSERA_PORT: String(port), TESSERA_ISSUER: `http://127.0.0.1:${port}` },
    [],
    entry,
  );
  try {
    await waitForHealthz(`http://127.0.0.1:${port}`, server, 5);
    const ready = performance.now() - started;
    return { ready, own: Number(/"startup_ms":(\d+)/.exec(server.output())?.[1] ?? Number.NaN) };
  } finally {
    await server.kill();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

console.log(`Tessera start-up — ${machine()}, median of ${runs} starts each`);
const first = await startOnce(SERVER_BUNDLE);
console.log(
  `first start (bundle; schema, RSA key, admin hash)  ${first.ready.toFixed(0).padStart(5)} ms to /healthz   startup_ms ${first.own}`,
);
for (const [name, entry] of entries) {
  if (entry && !existsSync(entry)) {
    console.log(`${name.padEnd(36)} not built, skipped`);
    continue;
  }
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await startOnce(entry));
  console.log(
    `${name.padEnd(36)} ${median(results.map((r) => r.ready))
      .toFixed(0)
      .padStart(
        5,
      )} ms to /healthz   startup_ms ${median(results.map((r) => r.own))}   (fastest ${Math.min(...results.map((r) => r.ready)).toFixed(0)} ms)`,
  );
}
rmSync(dataDir, { recursive: true, force: true });
