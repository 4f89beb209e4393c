import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../src/index.js";
import { printedVerificationUrl, tempHome, testContext } from "./support/test-context.js";
import { SHORT_LIVED_CLIENT, startTestProvider, type TestProvider } from "./support/test-provider.js";

let op: TestProvider;
let home: { path: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  op = await startTestProvider({ shortDeviceCodeTtl: 1 });
});
afterAll(() => op.close());
beforeEach(async () => {
  home = await tempHome();
});
afterEach(() => home.cleanup());

describe("tessera login (device authorization grant against a real oidc-provider)", () => {
  it("registers a public client, waits for approval and caches the tokens with safe permissions", async () => {
    const ctx = testContext(home.path);
    ctx.onSleep = async (_ms, c) => {
      if (c.sleeps.length === 1) await op.approveDevice(printedVerificationUrl(c.stdout.text));
    };
    const code = await runCli(["login", "--issuer", op.issuer], ctx);
    expect(ctx.stderr.text).not.toContain("tessera:");
    expect(code).toBe(0);
    expect(ctx.stdout.text).toMatch(/\/device\?user_code=/);
    expect(ctx.stdout.text).toContain("Logged in to");
    expect(ctx.stdout.text).toContain("as Alice Example");
    expect(ctx.stderr.text).toContain("Registered client");

    const dir = join(home.path, "config", "tessera");
    const account = `127.0.0.1_${new URL(op.issuer).port}`;
    const file = join(dir, "accounts", `${account}.json`);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, "accounts"))).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const entry = JSON.parse(await readFile(file, "utf8"));
    expect(entry.issuer).toBe(op.issuer);
    expect(entry.client.dynamic).toBe(true);
    expect(entry.accessToken.token).toBeTruthy();
    expect(entry.refreshToken.token).toBeTruthy();
    expect(entry.idToken.split(".")).toHaveLength(3);
    expect(JSON.parse(await readFile(join(dir, "config.json"), "utf8"))).toEqual({ default: account });
    // The refresh token is live at the provider.
    const introspection = await op.introspect(entry.refreshToken.token);
    expect(introspection, JSON.stringify(introspection)).toMatchObject({ active: true, sub: "alice" });
  });

  it("honours slow_down by adding 5 seconds to the polling interval", async () => {
    const ctx = testContext(home.path);
    op.slowDownNext(1);
    ctx.onSleep = async (_ms, c) => {
      if (c.sleeps.length === 3) await op.approveDevice(printedVerificationUrl(c.stdout.text));
    };
    expect(await runCli(["login", "--issuer", op.issuer], ctx)).toBe(0);
    // oidc-provider's default interval is 5 s: first wait 5, slow_down, then 10 s from then on.
    expect(ctx.sleeps).toEqual([5000, 10_000, 10_000]);
  });

  it("reports a denial clearly and exits non-zero", async () => {
    const ctx = testContext(home.path);
    ctx.onSleep = async (_ms, c) => {
      if (c.sleeps.length === 1)
        await op.approveDevice(printedVerificationUrl(c.stdout.text), { deny: true });
    };
    expect(await runCli(["login", "--issuer", op.issuer], ctx)).toBe(1);
    expect(ctx.stderr.text).toContain("tessera: login denied");
    expect(ctx.stderr.text).not.toMatch(/\n\s+at /);
  });

  it("reports expiry when the server answers expired_token", async () => {
    const ctx = testContext(home.path);
    ctx.onSleep = () => new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await runCli(["login", "--issuer", op.issuer, "--client", SHORT_LIVED_CLIENT], ctx)).toBe(1);
    expect(ctx.stderr.text).toContain("tessera: login expired");
  });

  it("stops polling by itself once the code's lifetime has passed on its own clock", async () => {
    const ctx = testContext(home.path);
    ctx.onSleep = async (_ms, c) => c.advance(301);
    expect(await runCli(["login", "--issuer", op.issuer], ctx)).toBe(1);
    expect(ctx.stderr.text).toContain("tessera: login expired");
    expect(ctx.sleeps.length).toBeLessThanOrEqual(3);
  });

  it("--no-wait prints the code and exits; --continue finishes the login", async () => {
    const ctx = testContext(home.path);
    expect(await runCli(["login", "--issuer", op.issuer, "--no-wait"], ctx)).toBe(0);
    expect(ctx.sleeps).toEqual([]);
    expect(ctx.stdout.text).toContain("tessera login --continue");
    await op.approveDevice(printedVerificationUrl(ctx.stdout.text));
    const later = testContext(home.path);
    expect(await runCli(["login", "--continue"], later)).toBe(0);
    expect(later.stdout.text).toContain("as Alice Example");
  });

  it("registers anew when the server no longer knows the cached dynamic client", async () => {
    const first = testContext(home.path);
    expect(await runCli(["login", "--issuer", op.issuer, "--no-wait"], first)).toBe(0);
    const file = join(
      home.path,
      "config",
      "tessera",
      "accounts",
      `127.0.0.1_${new URL(op.issuer).port}.json`,
    );
    const entry = JSON.parse(await readFile(file, "utf8"));
    entry.client.clientId = "forgotten-client";
    await writeFile(file, JSON.stringify(entry), { mode: 0o600 });
    const ctx = testContext(home.path);
    ctx.onSleep = async (_ms, c) => {
      if (c.sleeps.length === 1) await op.approveDevice(printedVerificationUrl(c.stdout.text));
    };
    expect(await runCli(["login"], ctx)).toBe(0);
    expect(ctx.stderr.text).toContain("Registered client");
    expect(JSON.parse(await readFile(file, "utf8")).client.clientId).not.toBe("forgotten-client");
  });

  it("shows a QR code of the verification URL when stdout is a terminal", async () => {
    const ctx = testContext(home.path);
    ctx.stdout.isTTY = true;
    expect(
      await runCli(["login", "--issuer", op.issuer, "--no-wait", "--scope", "openid offline_access "], ctx),
    ).toBe(0);
    expect(ctx.stdout.text).toMatch(/[▀▄█]{10,}/);
  });

  it("rejects an issuer that is not a URL before any request", async () => {
    const ctx = testContext(home.path);
    expect(await runCli(["login", "--issuer", "not a url"], ctx)).toBe(1);
    expect(ctx.stderr.text).toBe('tessera: invalid issuer URL "not a url"\n');
  });

  it("fails with one line when the issuer is unreachable", async () => {
    const ctx = testContext(home.path);
    expect(await runCli(["login", "--issuer", "http://127.0.0.1:9"], ctx)).toBe(1);
    expect(ctx.stderr.text.trim().split("\n")).toHaveLength(1);
    expect(ctx.stderr.text).toContain("cannot reach the issuer");
  });

  it("refuses plain HTTP to a non-loopback issuer", async () => {
    const ctx = testContext(home.path);
    expect(await runCli(["login", "--issuer", "http://iam.example.org"], ctx)).toBe(1);
    expect(ctx.stderr.text).toContain("refusing plain HTTP");
  });
});
