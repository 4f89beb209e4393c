import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../src/index.js";
import { accountFile, loggedIn } from "./support/login-helper.js";
import { tempHome, testContext } from "./support/test-context.js";
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

describe("tessera status", () => {
  it("prints the panda_auth fields from the ID token and exits 0 while the token is valid", async () => {
    const ctx = await loggedIn(op, home.path);
    expect(await runCli(["status"], ctx)).toBe(0);
    const out = ctx.stdout.text;
    expect(out).toContain(`Filename: ${accountFile(op, home.path)}\n`);
    expect(out).toMatch(/^Valid starting: \d{4}-\d\d-\d\dT.*Z \(just now\)$/m);
    expect(out).toMatch(/^Expires: .*Z \(in 1 h\)$/m);
    expect(out).toContain("Name: Alice Example\n");
    expect(out).toContain("Email: alice@example.org\n");
    expect(out).toContain("Groups: /atlas, /atlas/production\n");
    expect(out).toContain("Organization: atlas\n");
    expect(out).toContain("Scopes: openid profile email offline_access wlcg wlcg.groups\n");
    // oidc-provider's refresh tokens are opaque: no expiry to read.
    expect(out).toContain("Refresh token expires: unknown\n");
  });

  it("--json gives the same facts to programs", async () => {
    const ctx = await loggedIn(op, home.path);
    expect(await runCli(["status", "--json"], ctx)).toBe(0);
    const report = JSON.parse(ctx.stdout.text);
    expect(report).toMatchObject({
      valid: true,
      issuer: op.issuer,
      name: "Alice Example",
      email: "alice@example.org",
      groups: ["/atlas", "/atlas/production"],
      organization: "atlas",
      refreshTokenExpires: null,
    });
    expect(Date.parse(report.expires) - Date.parse(report.validStarting)).toBe(3600_000);
  });

  it("exits 1 once the access token has expired", async () => {
    const ctx = await loggedIn(op, home.path);
    ctx.advance(3610);
    expect(await runCli(["status"], ctx)).toBe(1);
    expect(ctx.stdout.text).toMatch(/^Expires: .*\(\d+ s ago\), expired$/m);
    expect(ctx.stderr.text).toContain("No valid access token");
  });

  it("exits 1 with one line when not logged in", async () => {
    const ctx = testContext(home.path);
    expect(await runCli(["status"], ctx)).toBe(1);
    expect(ctx.stderr.text).toBe("tessera: not logged in: run `tessera login`\n");
  });

  it("keeps several accounts side by side and selects one with --account", async () => {
    const ctx = await loggedIn(op, home.path);
    await loggedIn(op, home.path, {}, ["--account", "second"]);
    expect(await runCli(["status", "--account", "second", "--json"], ctx)).toBe(0);
    expect(JSON.parse(ctx.stdout.text).account).toBe("second");
    ctx.stdout.text = "";
    expect(await runCli(["status", "--json"], ctx)).toBe(0);
    expect(JSON.parse(ctx.stdout.text).account).toBe(`127.0.0.1_${new URL(op.issuer).port}`);
  });
});
