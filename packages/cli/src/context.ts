import { homedir } from "node:os";

/** Where a command writes: a stream, or a test's buffer. */
export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** Everything a command reads from the outside world, injected so tests run commands in-process. */
export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  /** Milliseconds since the epoch. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  stdout: Output;
  stderr: Output;
  /** Reads all of standard input (for `tessera decode -`). */
  readStdin: () => Promise<string>;
  homedir: string;
  /** Effective user id, for the bearer-token-discovery file name. */
  uid: number;
  openBrowser: (url: string) => void;
}

export function processContext(): CliContext {
  return {
    env: process.env,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    homedir: homedir(),
    uid: typeof process.geteuid === "function" ? process.geteuid() : 0,
    openBrowser: (url) => {
      void import("./open-browser.js").then(({ openBrowser }) => openBrowser(url));
    },
  };
}

export function isDebug(env: CliContext["env"]): boolean {
  return env.TESSERA_DEBUG === "1";
}
