import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../src/index.js";
import { accountFile, loggedIn, plainRefreshToken, readEntry } from "./support/login-helper.js";
import { tempHome } from "./support/test-context.js";
import { startTestProvider, type TestProvider } from "./support/test-provider.js";

let op: TestProvider;
let home: { path: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  op = await startTestProvider();
});
afterAll(() => op.close());
beforeEach(async () => {
  home = await tempHome();
});
afterEach(() => home.cleanup());

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe("tessera exec", () => {
  it("runs the command with BEARER_TOKEN set and forwards its exit code", async () => {
    const ctx = await loggedIn(op, home.path);
    const out = join(home.path, "seen-token");
    const script = `require("node:fs").writeFileSync(${JSON.stringify(out)}, process.env.BEARER_TOKEN); process.exit(7)`;
    expect(await runCli(["exec", "--", process.execPath, "-e", script], ctx)).toBe(7);
    const entry = await readEntry(op, home.path);
    expect(await readFile(out, "utf8")).toBe(entry.accessToken?.token);
  });

  it("passes a down-scoped token with -s", async () => {
    const ctx = await loggedIn(op, home.path);
    const out = join(home.path, "seen-token");
    const script = `require("node:fs").writeFileSync(${JSON.stringify(out)}, process.env.BEARER_TOKEN)`;
    expect(await runCli(["exec", "-s", "openid", "--", process.execPath, "-e", script], ctx)).toBe(0);
    expect((await op.introspect(await readFile(out, "utf8"))).scope).toBe("openid");
  });

  it("reports a command killed by a signal as 128 + n", async () => {
    const ctx = await loggedIn(op, home.path);
    const script = `process.kill(process.pid, "SIGTERM")`;
    expect(await runCli(["exec", "--", process.execPath, "-e", script], ctx)).toBe(143);
  });

  it("exits 127 with one line when the command does not exist", async () => {
    const ctx = await loggedIn(op, home.path);
    expect(await runCli(["exec", "--", "no-such-command-tessera"], ctx)).toBe(127);
    expect(ctx.stderr.text).toBe("tessera: command not found: no-such-command-tessera\n");
  });
});

describe("tessera logout", () => {
  it("revokes the refresh token at the provider and deletes the cache entry", async () => {
    const ctx = await loggedIn(op, home.path);
    const entry = await readEntry(op, home.path);
    const refresh = plainRefreshToken(entry);
    expect((await op.introspect(refresh)).active).toBe(true);
    expect(await runCli(["logout"], ctx)).toBe(0);
    expect((await op.introspect(refresh)).active).toBe(false);
    expect((await op.introspect(entry.accessToken?.token ?? "")).active).toBe(false);
    expect(await exists(accountFile(op, home.path))).toBe(false);
    expect(JSON.parse(await readFile(join(home.path, "config", "tessera", "config.json"), "utf8"))).toEqual(
      {},
    );
    ctx.stderr.text = "";
    expect(await runCli(["status"], ctx)).toBe(1);
    expect(ctx.stderr.text).toContain("not logged in");
  });

  it("keeps the entry when the issuer cannot be reached, unless --force", async () => {
    const ctx = await loggedIn(op, home.path);
    const entry = await readEntry(op, home.path);
    const { writeFileAtomic } = await import("../src/index.js");
    await writeFileAtomic(
      accountFile(op, home.path),
      JSON.stringify({ ...entry, issuer: "http://127.0.0.1:9" }),
      0o600,
    );
    expect(await runCli(["logout"], ctx)).toBe(1);
    expect(ctx.stderr.text).toMatch(
      /^tessera: could not revoke the tokens: cannot reach the issuer .*--force/,
    );
    expect(await exists(accountFile(op, home.path))).toBe(true);
    expect(await runCli(["logout", "--force"], ctx)).toBe(0);
    expect(await exists(accountFile(op, home.path))).toBe(false);
  });
});
