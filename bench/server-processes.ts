// Shared by the benchmarks that run Tessera as separate server processes (scale.ts, nodes.ts):
// a database of their own, the processes, and each process's CPU time and memory from /proc.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadConfig } from "../packages/server/src/config/load.js";
import { createServices, type Services } from "../packages/server/src/services.js";
import { openStore, type Store } from "../packages/server/src/store/database.js";
import {
  SERVER_BUNDLE,
  type ServerProcess,
  spawnServer,
} from "../packages/server/test/support/server-process.js";
import { freePort } from "../packages/server/test/support/test-server.js";
import { type LoadResult, pinToServerCore } from "./run-load.js";

export interface BenchDatabase {
  dataDir: string;
  /** Undefined: SQLite in dataDir. */
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

/** A fresh data directory, and on PostgreSQL a fresh database on the server `postgresUrl` names. */
export async function createBenchDatabase(postgresUrl: string | undefined): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-bench-"));
  if (!postgresUrl)
    return {
      dataDir,
      databaseUrl: undefined,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  const name = `tessera_bench_${Date.now()}`;
  const run = async (statement: string) => {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(statement);
    await admin.end();
  };
  await run(`create database ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    dataDir,
    databaseUrl: url.toString(),
    async drop() {
      await run(`drop database if exists ${name} with (force)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface BenchNode {
  url: string;
  gatewayUrl: string;
  process: ServerProcess;
  /** utime + stime of the process, seconds (/proc/<pid>/stat, clock ticks of 1/100 s). */
  cpuSeconds(): number;
  /** Resident and peak resident memory, MB. */
  memory(): { rss: number; peak: number };
}

// The one-file server when there is one (`npm run build`): what `npm start` runs, and without the
// TypeScript loader's memory in the resident-memory figure.
export const serverEntry = existsSync(SERVER_BUNDLE)
  ? "packages/server/dist/tessera-server.mjs (built)"
  : "src/main.ts through tsx (run npm run build for the built server)";

/** Where a server finds the benchmark's database: its data directory, and PostgreSQL's URL if any. */
export function databaseEnvironment(database: BenchDatabase): Record<string, string> {
  return {
    TESSERA_DATA_DIR: database.dataDir,
    ...(database.databaseUrl ? { TESSERA_DATABASE_URL: database.databaseUrl } : {}),
  };
}

/** Settings every benchmark node shares; nodes of one cluster share the key-encryption key. */
export function nodeEnvironment(database: BenchDatabase, issuer: string): Record<string, string> {
  return {
    TESSERA_ISSUER: issuer,
    ...databaseEnvironment(database),
    TESSERA_KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
    TESSERA_ADMIN_PASSWORD: "benchmark password",
    // Request logging would cost the server time; the nodes are watched through /healthz.
    TESSERA_LOG_LEVEL: "warn",
    TESSERA_RATE_LIMIT_OAUTH_PER_IP: "0",
    TESSERA_RATE_LIMIT_OAUTH_PER_CLIENT: "0",
    // Housekeeping would delete nothing (no row is expired) but scan the big tables mid-run.
    TESSERA_MAINTENANCE_INTERVAL: "1d",
    // Node's own flags for the servers, e.g. heap sizes (TESSERA_BENCH_NODE_OPTIONS).
    ...(process.env.TESSERA_BENCH_NODE_OPTIONS
      ? { NODE_OPTIONS: process.env.TESSERA_BENCH_NODE_OPTIONS }
      : {}),
  };
}

/** Polls `url`/healthz every `pollMs` until it answers 200; throws if the process exits or 30 s pass. */
export async function waitForHealthz(url: string, server: ServerProcess, pollMs: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    if (Date.now() > deadline || server.child.exitCode !== null)
      throw new Error(`the server did not start:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Starts one server process on the given ports and waits until it answers /healthz. `oneCore`:
 * pin it to CPU 0 under TESSERA_BENCH_ONE_CORE (run-load.ts), for single-node figures.
 */
export async function startNode(
  env: Record<string, string>,
  port: number,
  options: { oneCore?: boolean } = {},
): Promise<BenchNode> {
  const gatewayPort = await freePort();
  const process = spawnServer(
    { ...env, TESSERA_PORT: String(port), TESSERA_GATEWAY_PORT: String(gatewayPort) },
    [],
    existsSync(SERVER_BUNDLE) ? SERVER_BUNDLE : undefined,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHealthz(url, process, 100);
  const pid = process.child.pid as number;
  if (options.oneCore) pinToServerCore(pid);
  return {
    url,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    process,
    cpuSeconds() {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    memory() {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
    },
  };
}

/** A run's requests per CPU-second of the given server processes (not of the benchmark's). */
export async function onNodes(nodes: BenchNode[], run: () => Promise<LoadResult>): Promise<LoadResult> {
  const cpu = () => nodes.reduce((sum, node) => sum + node.cpuSeconds(), 0);
  const before = cpu();
  const result = await run();
  const used = cpu() - before;
  return { ...result, perCpuSecond: used > 0 ? result.requests / used : 0 };
}

/** The redirect URI of the fixtures' client, for code exchanges. */
export const BENCH_REDIRECT_URI = "https://app.example.org/callback";
/** The password of the accounts made for login loads. */
export const BENCH_PASSWORD = "correct horse battery staple";

export interface BenchFixtures {
  store: Store;
  services: Services;
  /** `Basic …` of a confidential client with every grant the benchmarks use. */
  basic: string;
  client: Awaited<ReturnType<Services["clients"]["register"]>>["client"];
  account: Awaited<ReturnType<Services["accounts"]["create"]>>;
  /** A `tsr_` user token of the account with storage.read:/cms. */
  userToken: string;
  close(): Promise<void>;
}

/**
 * The benchmark's own view of the nodes' database (the same data and key-encryption key), to
 * register the client and mint credentials without going through HTTP.
 */
export async function benchFixtures(
  database: BenchDatabase,
  env: Record<string, string>,
): Promise<BenchFixtures> {
  const store = openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
  const config = loadConfig(
    { TESSERA_DATA_DIR: database.dataDir, TESSERA_ISSUER: env.TESSERA_ISSUER },
    undefined,
  );
  const services = createServices({
    config,
    store,
    clock: { now: Date.now },
    encryptionKey: Buffer.from(env.TESSERA_KEY_ENCRYPTION_KEY as string, "base64url"),
  });
  const registered = await services.clients.register({
    clientName: "bench",
    authMethod: "client_secret_basic",
    grantTypes: ["client_credentials", "refresh_token", "authorization_code", "password"],
    redirectUris: [BENCH_REDIRECT_URI],
    scopes: ["openid", "offline_access", "storage.read:/cms", "compute.read"],
  });
  const account = await services.accounts.create({
    username: `bench-user-${Date.now()}`,
    name: "Bench",
    email: "bench@example.org",
  });
  const userToken = await services.gateway.tokens.create(null, account, {
    name: "bench",
    scopes: ["storage.read:/cms"],
    expiresAt: null,
  });
  return {
    store,
    services,
    basic: `Basic ${Buffer.from(`${registered.client.clientId}:${registered.clientSecret}`).toString("base64")}`,
    client: registered.client,
    account,
    userToken: userToken.token,
    async close() {
      await services.gateway.close();
      await store.close();
    },
  };
}
