import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliContext } from "../../src/index.js";

export interface Captured {
  text: string;
  write(chunk: string): boolean;
  isTTY?: boolean;
}

export function capture(): Captured {
  const out: Captured = {
    text: "",
    write(chunk) {
      out.text += chunk;
      return true;
    },
  };
  return out;
}

export interface TestContext extends CliContext {
  stdout: Captured;
  stderr: Captured;
  /** Every wait the command asked for, in milliseconds. */
  sleeps: number[];
  /** Moves the frozen clock. */
  advance(seconds: number): void;
  onSleep?: ((ms: number, ctx: TestContext) => Promise<void>) | undefined;
}

/** A context with a frozen clock, captured output and no real waiting. */
export function testContext(home: string, env: Record<string, string | undefined> = {}): TestContext {
  let clock = Date.now();
  const ctx: TestContext = {
    env: { XDG_CONFIG_HOME: join(home, "config"), ...env },
    now: () => clock,
    advance(seconds) {
      clock += seconds * 1000;
    },
    sleeps: [],
    async sleep(ms) {
      ctx.sleeps.push(ms);
      await ctx.onSleep?.(ms, ctx);
    },
    stdout: capture(),
    stderr: capture(),
    readStdin: async () => "",
    homedir: home,
    uid: 4242,
    openBrowser: () => {},
  };
  return ctx;
}

export async function tempHome(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "tessera-cli-"));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** The complete verification URL the login command printed. */
export function printedVerificationUrl(stdout: string): string {
  const match = /(http:\/\/\S+\/device\?user_code=\S+)/.exec(stdout);
  if (!match?.[1]) throw new Error(`no verification URL in: ${stdout}`);
  return match[1];
}
