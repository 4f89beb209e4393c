import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { SERVER_BUNDLE, type ServerProcess, spawnServer } from "./support/server-process.js";
import { freePort } from "./support/test-server.js";
import { testDatabaseUrl } from "./support/test-store.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs what `npm start` and the `tessera-server` command run: the one-file bundle. */
function run(env: Record<string, string>): ServerProcess {
  if (!existsSync(SERVER_BUNDLE))
    throw new Error("the server bundle is not built: run `npm run build -w @tessera/server` first");
  return spawnServer(env, [], SERVER_BUNDLE);
}

describe("the server process", () => {
  test("first start: creates the data directory, keys and a first administrator who can sign in; SIGTERM stops it cleanly", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "tessera-process-")), "data");
    dirs.push(dataDir);
    const port = await freePort();
    // The process test always uses its own SQLite: the default a new user gets.
    const server = run({ TESSERA_DATA_DIR: dataDir, TESSERA_PORT: String(port) });
    try {
      const [, password] = await server.waitFor(/one-time password (\S+)\n/);
      await server.waitFor(/Tessera is ready/);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dataDir, "key-encryption.key")).mode & 0o777).toBe(0o600);
      const startup = Number(/"startup_ms":(\d+)/.exec(server.output())?.[1]);
      expect(startup).toBeGreaterThan(0);

      const base = `http://localhost:${port}`;
      const jwks = (await (await fetch(`${base}/jwk`)).json()) as { keys: unknown[] };
      expect(jwks.keys).toHaveLength(1);
      const browser = createBrowser(base);
      const login = await browser.login("admin", password as string);
      expect(login.status).toBe(303);
      expect(await (await browser.get("/")).text()).toContain("(administrator)");
      // The bundle finds the dashboard's build (test.sh builds it before the suite).
      const dashboard = await fetch(`${base}/dashboard/`);
      expect(dashboard.status).toBe(200);
      expect(await dashboard.text()).toContain('<div id="root">');

      // No secret in the log: the session cookie value never appears.
      expect(server.output()).not.toContain(browser.jar.get("tessera_session") as string);

      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain("shutting down");
    } finally {
      await server.kill();
    }

    // Second start: same keys, no second administrator, no password printed.
    const again = run({ TESSERA_DATA_DIR: dataDir, TESSERA_PORT: String(port) });
    try {
      await again.waitFor(/Tessera is ready/);
      expect(again.output()).not.toContain("one-time password");
      const jwks = (await (await fetch(`http://localhost:${port}/jwk`)).json()) as { keys: unknown[] };
      expect(jwks.keys).toHaveLength(1);
    } finally {
      again.child.kill("SIGTERM");
      await again.exited;
    }
  });

  test("a wrong configuration stops the start with every problem listed and exit code 2", async () => {
    const server = run({ TESSERA_PORT: "http", TESSERA_KEY_ALGORITHM: "none" });
    expect(await server.exited).toBe(2);
    expect(server.output()).toContain(
      'TESSERA_PORT (environment): expected an integer from 0 to 65535, got "http"',
    );
    expect(server.output()).toContain("TESSERA_KEY_ALGORITHM (environment): expected one of RS256, ES256");
    expect(server.output()).not.toMatch(/\n\s+at /); // no stack trace
  });

  test.runIf(testDatabaseUrl)("starts on PostgreSQL when TESSERA_DATABASE_URL is set", async () => {
    const { createTestDatabase } = await import("./support/test-store.js");
    const database = await createTestDatabase();
    const port = await freePort();
    const server = run({
      TESSERA_DATA_DIR: database.dataDir,
      TESSERA_PORT: String(port),
      TESSERA_DATABASE_URL: database.databaseUrl as string,
      TESSERA_ADMIN_PASSWORD: "a configured password",
      TESSERA_KEY_ENCRYPTION_KEY: "A".repeat(43),
    });
    try {
      await server.waitFor(/"database":"postgres"/);
      expect(server.output()).toContain("first administrator created with the configured password");
      expect((await fetch(`http://localhost:${port}/readyz`)).status).toBe(200);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
      await database.cleanup();
    }
  });
});
