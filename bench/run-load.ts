// Shared by the benchmark scripts: start Tessera in this process on a fresh SQLite database,
// then drive it with autocannon in a separate process, and print the figures.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../packages/server/src/config/load.js";
import type { Client } from "../packages/server/src/domain/clients/client.js";
import { issueAuthorizationCode } from "../packages/server/src/protocol/authorization-code-issue.js";
import type { AuthorizationRequest } from "../packages/server/src/protocol/authorization-request.js";
import type { Grant, TokenResponse } from "../packages/server/src/protocol/token-issuer.js";
import { startTessera, type Tessera } from "../packages/server/src/server.js";
import type { Services } from "../packages/server/src/services.js";

export async function startBenchServer(
  env: Record<string, string> = {},
): Promise<{ tessera: Tessera; url: string; gatewayUrl: string | undefined }> {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-bench-"));
  const config = loadConfig({
    TESSERA_DATA_DIR: dataDir,
    TESSERA_PORT: "0",
    TESSERA_LOG_LEVEL: "silent",
    // Load from one address would hit the per-IP request limits.
    TESSERA_RATE_LIMIT_OAUTH_PER_IP: "0",
    TESSERA_RATE_LIMIT_OAUTH_PER_CLIENT: "0",
    TESSERA_ADMIN_PASSWORD: "benchmark password",
    TESSERA_KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
    ...env,
  });
  const tessera = await startTessera(config);
  pinToServerCore(process.pid);
  await tessera.app.listen({ host: "127.0.0.1", port: 0 });
  await tessera.gatewayApp?.listen({ host: "127.0.0.1", port: 0 });
  const urlOf = (server: Tessera["app"]["server"]) => {
    const address = server.address();
    return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  };
  return {
    tessera,
    url: urlOf(tessera.app.server),
    gatewayUrl: tessera.gatewayApp ? urlOf(tessera.gatewayApp.server) : undefined,
  };
}

export interface LoadResult {
  requests: number;
  rps: number;
  /**
   * Requests per CPU-second of this process (the server runs in it; the load does not): what one
   * core sustains when the server has it to itself. On a shared machine this holds steady while
   * `rps` follows the neighbours.
   */
  perCpuSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
}

/** Runs a load and measures this process's CPU time meanwhile. */
async function measured(run: () => Promise<Omit<LoadResult, "perCpuSecond">>): Promise<LoadResult> {
  const before = process.cpuUsage();
  const result = await run();
  const used = process.cpuUsage(before);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { ...result, perCpuSecond: cpuSeconds > 0 ? result.requests / cpuSeconds : 0 };
}

/**
 * `TESSERA_BENCH_ONE_CORE=1`: every thread of the server (the event loop, libuv's pool that signs,
 * SQLite's checkpointer) on CPU 0 and the load generators on the other CPUs, so a figure is
 * literally "one process, one core" and the load does not steal the server's time. Needs
 * util-linux `taskset` and at least two CPUs.
 */
const oneCore = process.env.TESSERA_BENCH_ONE_CORE === "1" && cpus().length >= 2;

/** Pins a server process (all its threads) to CPU 0 under TESSERA_BENCH_ONE_CORE. */
export function pinToServerCore(pid: number): void {
  if (oneCore)
    execFileSync("taskset", ["--all-tasks", "--pid", "--cpu-list", "0", String(pid)], { stdio: "ignore" });
}

/** The command line that runs a load generator on the CPUs the server does not use. */
export function onLoadCores(command: string, args: string[]): [string, string[]] {
  return oneCore ? ["taskset", ["--cpu-list", `1-${cpus().length - 1}`, command, ...args]] : [command, args];
}

/** Runs autocannon as a child process (so load generation does not share the server's event loop). */
export function runLoad(options: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  seconds: number;
  connections: number;
  /** Requests per second from all connections together; unset: as fast as the server answers. */
  rate?: number;
}): Promise<LoadResult> {
  return measured(() => runAutocannon(options));
}

function runAutocannon(options: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  seconds: number;
  connections: number;
  rate?: number;
}): Promise<Omit<LoadResult, "perCpuSecond">> {
  const args = [
    "autocannon",
    "--json",
    "-d",
    String(options.seconds),
    "-c",
    String(options.connections),
    "-m",
    options.method ?? "GET",
  ];
  for (const [key, value] of Object.entries(options.headers ?? {})) args.push("-H", `${key}=${value}`);
  if (options.body) args.push("-b", options.body);
  if (options.rate) args.push("-R", String(Math.round(options.rate)));
  args.push(options.url);
  return new Promise((resolve, reject) => {
    const child = spawn(...onLoadCores("npx", ["--no-install", ...args]), {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", () => {
      try {
        resolve(parseAutocannon(out));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/**
 * Runs bench/single-use-load.mjs (autocannon sending a different value from the file with every
 * request: refresh tokens, authorization codes) as a child process.
 */
export function runSingleUseLoad(options: {
  url: string;
  authorization: string;
  /** One value per line. */
  file: string;
  /** The form body before the value, e.g. `grant_type=refresh_token&refresh_token=`. */
  prefix: string;
  seconds: number;
  connections: number;
}): Promise<LoadResult> {
  return measured(
    () =>
      new Promise((resolve, reject) => {
        const child = spawn(
          ...onLoadCores(process.execPath, [
            new URL("./single-use-load.mjs", import.meta.url).pathname,
            options.file,
            options.url,
            options.authorization,
            String(options.seconds),
            String(options.connections),
            options.prefix,
          ]),
          { stdio: ["ignore", "pipe", "inherit"] },
        );
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.on("error", reject);
        child.on("exit", () => {
          try {
            resolve(parseAutocannon(out));
          } catch (error) {
            reject(error);
          }
        });
      }),
  );
}

function parseAutocannon(out: string): Omit<LoadResult, "perCpuSecond"> {
  const r = JSON.parse(out) as {
    requests: { total: number; average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
  };
  return {
    requests: r.requests.total,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
  };
}

/**
 * Single-use values to mint per second of a run: more than any one process spends (3,635/s is
 * the most seen, ES256 code exchanges on one core), since a value sent twice would be refused as
 * reused and counted as a (cheap) answer.
 */
export const SINGLE_USE_PER_SECOND = 4000;

/**
 * Refresh tokens for a single-use load: `count` grants minted through the token issuer itself
 * (not over HTTP, which would measure the minting), written one per line to `file`.
 */
export async function mintRefreshTokens(
  issuer: { issue(grant: Grant): Promise<TokenResponse> },
  grant: Grant,
  count: number,
  file: string,
): Promise<void> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push((await issuer.issue(grant)).refresh_token as string);
  writeFileSync(file, tokens.join("\n"));
}

/**
 * Authorization codes for a single-use load, issued through the function `/authorize` uses (no
 * sign-in pages in the measurement), valid for ten minutes, one per line in `file`.
 */
export async function mintAuthorizationCodes(
  services: Services,
  grant: { client: Client; accountId: string; redirectUri: string; scope: string[] },
  count: number,
  file: string,
): Promise<void> {
  const codes: string[] = [];
  const now = Date.now();
  const deps = { codes: services.repos.authorizationCodes, clock: { now: () => now }, lifetime: 600 };
  const request = { ...grant, audiences: [] } as unknown as AuthorizationRequest;
  for (let i = 0; i < count; i++)
    codes.push(await issueAuthorizationCode(deps, request, { accountId: grant.accountId, authTime: now }));
  writeFileSync(file, codes.join("\n"));
}

/**
 * Accounts for a password-login load, all with `password`. Logins in flight for one username
 * count against its failure limit before the hash is checked (password-login.ts), so parallel
 * logins of one account are refused by design; a load goes round many accounts instead, as
 * many users signing in would. Writes `lines` usernames, in turn, to `file`.
 */
export async function createLoginAccounts(
  services: Services,
  options: { prefix: string; accounts: number; password: string; lines: number; file: string },
): Promise<void> {
  for (let i = 0; i < options.accounts; i++) {
    const account = await services.accounts.create({
      username: `${options.prefix}${i}`,
      name: "Bench",
      email: `${options.prefix}${i}@example.org`,
    });
    await services.accounts.setPassword(account.id, options.password);
  }
  writeFileSync(
    options.file,
    Array.from({ length: options.lines }, (_, i) => `${options.prefix}${i % options.accounts}`).join("\n"),
  );
}

/** The machine, for a benchmark's first line; `serversPinned` false where nodes run unpinned. */
export function machine(serversPinned = true): string {
  const cpu = cpus()[0]?.model ?? "unknown cpu";
  const node = process.version;
  let sqlite = "";
  try {
    sqlite = execFileSync(
      "node",
      ["-p", "require('better-sqlite3')(':memory:').prepare('select sqlite_version() v').get().v"],
      {
        encoding: "utf8",
      },
    ).trim();
  } catch {
    sqlite = "?";
  }
  const pinned = !oneCore
    ? ""
    : serversPinned
      ? "; one core: the server on CPU 0, the load on the others"
      : "; the load on the CPUs after CPU 0, the servers unpinned";
  return `${cpus().length} × ${cpu}, Node ${node}, SQLite ${sqlite}${pinned}`;
}

export function report(name: string, result: LoadResult): void {
  console.log(
    `${name.padEnd(34)} ${result.rps.toFixed(0).padStart(7)} req/s   p50 ${String(result.p50).padStart(3)} ms   p99 ${String(result.p99).padStart(3)} ms   ${result.perCpuSecond.toFixed(0).padStart(6)}/CPU-s   (${result.requests} requests, ${result.non2xx} non-2xx)`,
  );
}
