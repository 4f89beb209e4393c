import { readFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadRefreshToken, openSecret, runCli, sealSecret } from "../src/index.js";
import { accountFile, loggedIn, readEntry } from "./support/login-helper.js";
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

describe("refresh token encryption with TESSERA_PASSPHRASE", () => {
  it("seals and opens a secret; a wrong passphrase or another entry's context fails", async () => {
    const sealed = await sealSecret("refresh-me", "correct horse", "ctx-a");
    expect(sealed.alg).toBe("scrypt+A256GCM");
    expect(JSON.stringify(sealed)).not.toContain("refresh-me");
    expect(await openSecret(sealed, "correct horse", "ctx-a")).toBe("refresh-me");
    await expect(openSecret(sealed, "wrong", "ctx-a")).rejects.toThrow(/wrong passphrase/);
    await expect(openSecret(sealed, "correct horse", "ctx-b")).rejects.toThrow(/wrong passphrase/);
    const again = await sealSecret("refresh-me", "correct horse", "ctx-a");
    expect(again.salt).not.toBe(sealed.salt);
    expect(again.nonce).not.toBe(sealed.nonce);
  });

  it("stores the refresh token sealed and refreshes with the right passphrase", async () => {
    const env = { TESSERA_PASSPHRASE: "correct horse battery staple" };
    const ctx = await loggedIn(op, home.path, env);
    const entry = await readEntry(op, home.path);
    expect(entry.refreshToken && "sealed" in entry.refreshToken).toBe(true);
    const raw = await readFile(accountFile(op, home.path), "utf8");
    const plain = (await loadRefreshToken(entry, env.TESSERA_PASSPHRASE)) ?? "";
    expect((await op.introspect(plain)).active).toBe(true);
    expect(raw).not.toContain(plain);

    ctx.advance(3600);
    expect(await runCli(["token"], ctx)).toBe(0);
    expect((await op.introspect(ctx.stdout.text.trim())).active).toBe(true);
    // The rotated refresh token is sealed again, with a fresh salt and nonce.
    const after = await readEntry(op, home.path);
    expect(after.refreshToken && "sealed" in after.refreshToken).toBe(true);
    expect(JSON.stringify(after.refreshToken)).not.toBe(JSON.stringify(entry.refreshToken));
  });

  it("fails in one line with a wrong or missing passphrase", async () => {
    const ctx = await loggedIn(op, home.path, { TESSERA_PASSPHRASE: "right" });
    ctx.advance(3600);
    const wrong = { ...ctx, env: { ...ctx.env, TESSERA_PASSPHRASE: "wrong" } };
    expect(await runCli(["token"], wrong)).toBe(1);
    expect(ctx.stderr.text).toBe(
      "tessera: wrong passphrase: cannot decrypt the refresh token (check TESSERA_PASSPHRASE)\n",
    );
    ctx.stderr.text = "";
    const missing = { ...ctx, env: { ...ctx.env, TESSERA_PASSPHRASE: undefined } };
    expect(await runCli(["token"], missing)).toBe(1);
    expect(ctx.stderr.text).toBe("tessera: the refresh token is encrypted: set TESSERA_PASSPHRASE\n");
  });
});
