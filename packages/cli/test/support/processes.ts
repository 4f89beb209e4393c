// Real processes for the end-to-end tests: a Tessera server started from its entry point (as
// `npm start` does, but from source through tsx) and the `tessera` command run as a child
// process, each with its output collected.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../..", import.meta.url));
const SERVER_MAIN = join(ROOT, "packages", "server", "src", "main.ts");
export const CLI_MAIN = join(ROOT, "packages", "cli", "src", "main.ts");
const SHIFTED_CLOCK = join(ROOT, "packages", "cli", "test", "support", "shifted-clock.ts");

export const ADMIN_PASSWORD = "correct horse battery staple";
export const BOOTSTRAP_TOKEN = "bootstrap-token-for-the-subprocess-tests-0123456789";

/** A child process whose standard output and error are collected as text. */
export interface Watched {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in the stream; rejects on exit or timeout. */
  waitFor(stream: "stdout" | "stderr", pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The exit code (128 + signal number when killed). */
  exited: Promise<number>;
}

const SIGNALS: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };

export function watch(child: ChildProcess): Watched {
  const text = { stdout: "", stderr: "" };
  child.stdout?.setEncoding("utf8").on("data", (s: string) => {
    text.stdout += s;
  });
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    text.stderr += s;
  });
  let done = false;
  const exited = new Promise<number>((resolve) =>
    child.once("close", (code, signal) => {
      done = true;
      resolve(code ?? 128 + (SIGNALS[signal ?? ""] ?? 0));
    }),
  );
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    async waitFor(stream, pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(text[stream]);
        if (match) return match;
        if (done || Date.now() > deadline) {
          throw new Error(
            `${done ? "exited" : "timed out"} before ${pattern} on ${stream}\n--- stdout:\n${text.stdout}\n--- stderr:\n${text.stderr}`,
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

export interface TesseraProcess {
  /** Base URL and issuer, http://127.0.0.1:<port>. */
  url: string;
  /** Everything the server logged so far. */
  output(): string;
  /** SIGTERM (SIGKILL after 10 s), then removes the data directory. */
  stop(): Promise<void>;
}

/**
 * Starts `packages/server/src/main.ts` as its own process on a free port over a fresh SQLite data
 * directory, with a known administrator password and bootstrap token, and waits for "Tessera is
 * ready".
 */
export async function startTesseraProcess(env: Record<string, string> = {}): Promise<TesseraProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), "tessera-e2e-server-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = watch(
    spawn(process.execPath, ["--conditions=source", "--import", "tsx", SERVER_MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dataDir,
        TESSERA_DATA_DIR: join(dataDir, "data"),
        TESSERA_PORT: String(port),
        TESSERA_HOST: "127.0.0.1",
        TESSERA_ISSUER: url,
        TESSERA_ADMIN_PASSWORD: ADMIN_PASSWORD,
        TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
        TESSERA_KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const stop = async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill("SIGTERM");
      const timer = setTimeout(() => server.child.kill("SIGKILL"), 10_000);
      await server.exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await server.waitFor("stdout", /Tessera is ready/, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output: () => server.stdout() + server.stderr(), stop };
}

export interface CliOptions {
  /** The user's home: HOME, XDG_CONFIG_HOME=<home>/config, XDG_RUNTIME_DIR=<home>/run. */
  home: string;
  env?: Record<string, string>;
  stdin?: string;
  /** Seconds this `tessera` process's clock runs ahead of the real one (support/shifted-clock.ts). */
  clockShift?: number;
}

function cliEnv(options: CliOptions): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "",
    HOME: options.home,
    XDG_CONFIG_HOME: join(options.home, "config"),
    XDG_RUNTIME_DIR: join(options.home, "run"),
    ...(options.clockShift ? { TESSERA_TEST_CLOCK_SHIFT: String(options.clockShift) } : {}),
    ...options.env,
  };
}

/** The node arguments that run the `tessera` entry point from source. */
export function cliCommand(args: readonly string[], clockShift?: number): string[] {
  return [
    "--conditions=source",
    "--import",
    "tsx",
    ...(clockShift ? ["--import", SHIFTED_CLOCK] : []),
    CLI_MAIN,
    ...args,
  ];
}

/** Starts `tessera ARGS` as a child process (stdin, stdout and stderr are pipes). */
export function spawnTessera(args: readonly string[], options: CliOptions): Watched {
  const child = spawn(process.execPath, cliCommand(args, options.clockShift), {
    cwd: ROOT,
    env: cliEnv(options),
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin?.end(options.stdin ?? "");
  return watch(child);
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tessera ARGS` to the end (killed after 30 s). */
export async function runTessera(args: readonly string[], options: CliOptions): Promise<CliRun> {
  const run = spawnTessera(args, options);
  const timer = setTimeout(() => run.child.kill("SIGKILL"), 30_000);
  const code = await run.exited;
  clearTimeout(timer);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
