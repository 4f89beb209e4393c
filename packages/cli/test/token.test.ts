import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../src/index.js";
import { loggedIn, plainRefreshToken, readEntry } from "./support/login-helper.js";
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

const printed = (text: string) => text.trim();

describe("tessera token", () => {
  it("prints the cached access token while it stays valid for --min-valid", async () => {
    const ctx = await loggedIn(op, home.path);
    const before = await readEntry(op, home.path);
    ctx.advance(3600 - 120);
    expect(await runCli(["token"], ctx)).toBe(0);
    expect(printed(ctx.stdout.text)).toBe(before.accessToken?.token);
  });

  it("refreshes when the token expires within --min-valid, and keeps the rotated refresh token", async () => {
    const ctx = await loggedIn(op, home.path);
    const before = await readEntry(op, home.path);
    ctx.advance(3600 - 30); // 30 s left, below the 60 s default
    expect(await runCli(["token"], ctx)).toBe(0);
    const token = printed(ctx.stdout.text);
    expect(token).not.toBe(before.accessToken?.token);
    const after = await readEntry(op, home.path);
    expect(after.accessToken?.token).toBe(token);
    expect(after.accessToken?.expiresAt).toBe(Math.floor(ctx.now() / 1000) + 3600);
    // oidc-provider rotates a public client's refresh token; the old one is spent.
    expect(plainRefreshToken(after)).not.toBe(plainRefreshToken(before));
    expect((await op.introspect(plainRefreshToken(before))).active).toBe(false);
    expect((await op.introspect(plainRefreshToken(after))).active).toBe(true);
    expect((await op.introspect(token)).active).toBe(true);
  });

  it("--min-valid larger than the remaining lifetime forces a refresh", async () => {
    const ctx = await loggedIn(op, home.path);
    const before = await readEntry(op, home.path);
    expect(await runCli(["token", "--min-valid", "7200"], ctx)).toBe(0);
    expect(printed(ctx.stdout.text)).not.toBe(before.accessToken?.token);
  });

  it("gets a down-scoped token, caches it apart and keeps the main access token", async () => {
    const ctx = await loggedIn(op, home.path);
    const before = await readEntry(op, home.path);
    expect(await runCli(["token", "-s", "openid", "-s", "profile"], ctx)).toBe(0);
    const narrow = printed(ctx.stdout.text);
    expect(narrow).not.toBe(before.accessToken?.token);
    expect((await op.introspect(narrow)).scope).toBe("openid profile");

    const after = await readEntry(op, home.path);
    expect(after.accessToken?.token).toBe(before.accessToken?.token);
    expect(Object.keys(after.scopedTokens)).toEqual(["scope=openid profile|aud="]);
    expect(after.scopedTokens["scope=openid profile|aud="]?.token).toBe(narrow);
    // The server rotated the refresh token during the down-scoping: the new one must be kept.
    expect(plainRefreshToken(after)).not.toBe(plainRefreshToken(before));
    expect((await op.introspect(plainRefreshToken(after))).active).toBe(true);

    // Asked again (scopes in another order), the cached narrow token comes back without a request.
    ctx.stdout.text = "";
    expect(await runCli(["token", "-s", "profile openid"], ctx)).toBe(0);
    expect(printed(ctx.stdout.text)).toBe(narrow);
    expect(plainRefreshToken(await readEntry(op, home.path))).toBe(plainRefreshToken(after));

    // And the main token still works after the rotation.
    ctx.advance(3600);
    ctx.stdout.text = "";
    expect(await runCli(["token"], ctx)).toBe(0);
    expect((await op.introspect(printed(ctx.stdout.text))).active).toBe(true);
  });

  it("keys an audience-restricted token separately", async () => {
    const ctx = await loggedIn(op, home.path);
    expect(await runCli(["token", "--aud", "https://rucio.example.org"], ctx)).toBe(0);
    const entry = await readEntry(op, home.path);
    expect(entry.scopedTokens["scope=|aud=https://rucio.example.org"]?.audience).toBe(
      "https://rucio.example.org",
    );
  });

  it("says to log in again when the refresh token was revoked", async () => {
    const ctx = await loggedIn(op, home.path);
    const entry = await readEntry(op, home.path);
    await fetch(String(op.metadata.revocation_endpoint), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: plainRefreshToken(entry), client_id: entry.client.clientId }),
    });
    ctx.advance(3600);
    expect(await runCli(["token"], ctx)).toBe(1);
    expect(ctx.stderr.text).toBe("tessera: the refresh token is no longer valid: run `tessera login`\n");
  });

  it("fails clearly when not logged in", async () => {
    const { testContext } = await import("./support/test-context.js");
    const ctx = testContext(home.path);
    expect(await runCli(["token"], ctx)).toBe(1);
    expect(ctx.stderr.text).toBe("tessera: not logged in: run `tessera login`\n");
  });
});

describe("tessera token --bt", () => {
  const uid = 900_000 + Math.floor(Math.random() * 90_000);

  it("writes $BEARER_TOKEN_FILE first, with mode 0600", async () => {
    const file = join(home.path, "explicit-token");
    const ctx = await loggedIn(op, home.path, { BEARER_TOKEN_FILE: file, XDG_RUNTIME_DIR: home.path });
    ctx.uid = uid;
    expect(await runCli(["token", "--bt"], ctx)).toBe(0);
    expect((await readFile(file, "utf8")).trim()).toBe(printed(ctx.stdout.text));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("then $XDG_RUNTIME_DIR/bt_u<uid>", async () => {
    const runtime = join(home.path, "run");
    await mkdir(runtime);
    const ctx = await loggedIn(op, home.path, { XDG_RUNTIME_DIR: runtime });
    ctx.uid = uid;
    expect(await runCli(["token", "--bt"], ctx)).toBe(0);
    const file = join(runtime, `bt_u${uid}`);
    expect((await readFile(file, "utf8")).trim()).toBe(printed(ctx.stdout.text));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("then /tmp/bt_u<uid>", async () => {
    const ctx = await loggedIn(op, home.path);
    ctx.uid = uid;
    const file = `/tmp/bt_u${uid}`;
    try {
      expect(await runCli(["token", "--bt"], ctx)).toBe(0);
      expect((await readFile(file, "utf8")).trim()).toBe(printed(ctx.stdout.text));
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(file, { force: true });
    }
  });
});
