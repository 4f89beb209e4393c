import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../src/index.js";
import { type JwksIssuer, startJwksIssuer } from "./support/jwks-server.js";
import { tempHome, testContext } from "./support/test-context.js";

let iss: JwksIssuer;
let home: { path: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  iss = await startJwksIssuer();
});
afterAll(() => iss.close());
beforeEach(async () => {
  home = await tempHome();
});
afterEach(() => home.cleanup());

describe("tessera decode", () => {
  it("prints header, claims and times in words, and a valid RS256 signature", async () => {
    const token = await iss.sign({ scope: "storage.read:/" });
    const ctx = testContext(home.path);
    expect(await runCli(["decode", token], ctx)).toBe(0);
    const out = ctx.stdout.text;
    expect(out).toContain('"kid": "rsa-1"');
    expect(out).toContain('"scope": "storage.read:/"');
    expect(out).toMatch(/^iat +\d{4}-\d\d-\d\dT\S+Z \(just now\)$/m);
    expect(out).toMatch(/^exp +\S+Z \(in 20 min\)$/m);
    expect(out).toContain("signature: valid\n");
  });

  it("accepts ES256 and reads the token from standard input with -", async () => {
    const token = await iss.sign({}, { alg: "ES256" });
    const ctx = testContext(home.path);
    ctx.readStdin = async () => `  ${token}\n`;
    expect(await runCli(["decode", "-"], ctx)).toBe(0);
    expect(ctx.stdout.text).toContain("Token from standard input");
    expect(ctx.stdout.text).toContain("signature: valid\n");
  });

  it("says how long ago an expired token expired, with its signature still valid", async () => {
    const token = await iss.sign({}, { lifetime: -180 });
    const ctx = testContext(home.path);
    expect(await runCli(["decode", token], ctx)).toBe(0);
    expect(ctx.stdout.text).toMatch(/^exp +\S+Z \(3 min ago\)$/m);
    expect(ctx.stdout.text).toContain("signature: valid (but the token has expired)");
  });

  it("reports an invalid signature and exits 1", async () => {
    const forged = await iss.sign({ scope: "storage.modify:/" }, { key: iss.foreignKey });
    const ctx = testContext(home.path);
    expect(await runCli(["decode", forged], ctx)).toBe(1);
    expect(ctx.stdout.text).toContain("signature: invalid (bad signature)");
  });

  it("rejects HMAC tokens (only RS256 and ES256 are allowed)", async () => {
    const hs = await new SignJWT({ sub: "x" })
      .setProtectedHeader({ alg: "HS256", kid: "rsa-1" })
      .setIssuer(iss.issuer)
      .sign(new TextEncoder().encode("0123456789abcdef0123456789abcdef"));
    const ctx = testContext(home.path);
    expect(await runCli(["decode", hs], ctx)).toBe(1);
    expect(ctx.stdout.text).toContain("signature: invalid (algorithm not allowed)");
  });

  it("does not check the signature when the issuer is unreachable", async () => {
    const token = await iss.sign({ iss: "http://127.0.0.1:9" });
    const ctx = testContext(home.path);
    expect(await runCli(["decode", token], ctx)).toBe(0);
    expect(ctx.stdout.text).toContain('"iss": "http://127.0.0.1:9"');
    expect(ctx.stdout.text).toContain("signature: not checked (issuer unreachable)");
  });

  it("finds the token through bearer-token discovery when no argument is given", async () => {
    const token = await iss.sign({});
    const file = join(home.path, "bt");
    await writeFile(file, `\n${token}\n`);
    const ctx = testContext(home.path, { BEARER_TOKEN: "   ", BEARER_TOKEN_FILE: file });
    expect(await runCli(["decode"], ctx)).toBe(0);
    expect(ctx.stdout.text).toContain(`Token from ${file}`);
    expect(ctx.stdout.text).toContain("signature: valid");
  });

  it("explains an opaque token or a missing one in one line", async () => {
    const ctx = testContext(home.path, { XDG_RUNTIME_DIR: home.path });
    ctx.uid = 987_654_321;
    expect(await runCli(["decode", "tsr_opaque"], ctx)).toBe(1);
    expect(ctx.stderr.text).toBe(
      "tessera: the token from the command line is not a JWT (an opaque token cannot be decoded)\n",
    );
    ctx.stderr.text = "";
    expect(await runCli(["decode"], ctx)).toBe(1);
    expect(ctx.stderr.text).toMatch(/^tessera: no token found/);
  });
});
