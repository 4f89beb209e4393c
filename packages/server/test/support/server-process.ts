import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const MAIN = resolve(import.meta.dirname, "../../src/main.ts");
/** The one-file server that `npm start` runs (`npm run build -w @tessera/server` makes it). */
export const SERVER_BUNDLE = resolve(import.meta.dirname, "../../dist/tessera-server.mjs");

export interface ServerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGKILL if still running; resolves when it has exited. */
  kill(): Promise<void>;
}

/**
 * Runs the real entry point from source (as process.test.ts does) and collects its output.
 * `built`: the compiled entry point instead (`npm run build`), without the TypeScript loader.
 */
export function spawnServer(env: Record<string, string>, args: string[] = [], built?: string): ServerProcess {
  const entry = built ? [built] : ["--conditions=source", "--import", "tsx", MAIN];
  const child = spawn(process.execPath, [...entry, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return {
    child,
    exited,
    output: () => output,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const match = pattern.exec(output);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`timed out waiting for ${pattern}; output so far:\n${output}`);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
