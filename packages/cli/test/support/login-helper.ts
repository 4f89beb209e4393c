import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AccountEntry } from "../../src/index.js";
import { runCli } from "../../src/index.js";
import { printedVerificationUrl, type TestContext, testContext } from "./test-context.js";
import type { TestProvider } from "./test-provider.js";

/** Logs in for real (device flow, approval on the provider's pages) and returns the context used. */
export async function loggedIn(
  op: TestProvider,
  home: string,
  env: Record<string, string | undefined> = {},
  extraArgs: string[] = [],
): Promise<TestContext> {
  const ctx = testContext(home, env);
  ctx.onSleep = async (_ms, c) => {
    if (c.sleeps.length === 1) await op.approveDevice(printedVerificationUrl(c.stdout.text));
  };
  const code = await runCli(["login", "--issuer", op.issuer, ...extraArgs], ctx);
  if (code !== 0) throw new Error(`login failed: ${ctx.stderr.text}`);
  ctx.onSleep = undefined;
  ctx.stdout.text = "";
  ctx.stderr.text = "";
  return ctx;
}

export function accountName(op: TestProvider): string {
  return `127.0.0.1_${new URL(op.issuer).port}`;
}

export function accountFile(op: TestProvider, home: string): string {
  return join(home, "config", "tessera", "accounts", `${accountName(op)}.json`);
}

export async function readEntry(op: TestProvider, home: string): Promise<AccountEntry> {
  return JSON.parse(await readFile(accountFile(op, home), "utf8")) as AccountEntry;
}

/** The plain refresh token of an unsealed entry. */
export function plainRefreshToken(entry: AccountEntry): string {
  const stored = entry.refreshToken;
  if (!stored || !("token" in stored)) throw new Error("no plain refresh token in the entry");
  return stored.token;
}
