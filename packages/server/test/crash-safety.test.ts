import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { afterAll, describe, expect, test } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { createServices } from "../src/services.js";
import { openStore } from "../src/store/database.js";
import { basicAuth } from "./support/oauth-client.js";
import { type ServerProcess, spawnServer } from "./support/server-process.js";
import { freePort } from "./support/test-server.js";
import { createTestDatabase, type TestDatabase, testDatabaseUrl } from "./support/test-store.js";

/**
 * kill -9 under load: every answer the clients got before the kill is durable after a restart on
 * the same data (SQLite in WAL with synchronous=NORMAL survives a process crash; PostgreSQL
 * commits before it answers). The load is bounded (300 requests, loopback only) for a shared
 * machine: client-credentials tokens and refresh-token chains.
 */
const PASSWORD = "a configured password";
const CHAINS = 20; // chain i refreshes i+1 times: 210 refreshes
const CLIENT_CREDENTIALS = 90;
const KILL_AFTER = 150; // acknowledged answers

const processes: ServerProcess[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  for (const d of databases) await d.cleanup();
});

type Form = Record<string, string>;
async function post(url: string, form: Form, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

const databasesToTest = testDatabaseUrl ? ["sqlite", "postgres"] : ["sqlite"];

describe.each(databasesToTest)("crash safety on %s", (dialect) => {
  test("kill -9 mid-load: every acknowledged token survives the restart, spent ones stay spent, restart is quick", async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      TESSERA_ISSUER: base,
      TESSERA_PORT: String(port),
      TESSERA_DATA_DIR: database.dataDir,
      TESSERA_KEY_ENCRYPTION_KEY: "D".repeat(43),
      TESSERA_ADMIN_PASSWORD: PASSWORD,
      TESSERA_LOG_LEVEL: "warn",
      TESSERA_RATE_LIMIT_OAUTH_PER_IP: "0",
      TESSERA_RATE_LIMIT_OAUTH_PER_CLIENT: "0",
    };
    if (dialect === "postgres") env.TESSERA_DATABASE_URL = database.databaseUrl as string;
    const start = async () => {
      const started = Date.now();
      const node = spawnServer({ ...env, TESSERA_LOG_LEVEL: "info" });
      processes.push(node);
      await node.waitFor(/Tessera is ready/, 30_000);
      return {
        node,
        wallMs: Date.now() - started,
        startupMs: Number(/"startup_ms":(\d+)/.exec(node.output())?.[1]),
      };
    };

    const first = await start();
    const store = openStore({ databaseUrl: env.TESSERA_DATABASE_URL, dataDir: database.dataDir });
    const config = loadConfig({ TESSERA_DATA_DIR: database.dataDir }, undefined);
    const { clients } = createServices({
      config,
      store,
      clock: { now: Date.now },
      encryptionKey: new Uint8Array(32),
    });
    const svc = await clients.register({
      clientName: "service",
      authMethod: "client_secret_basic",
      grantTypes: ["client_credentials"],
      scopes: ["storage.read:/cms"],
    });
    const service = basicAuth(svc.client.clientId, svc.clientSecret as string);
    const cli = await clients.register({
      clientName: "cli",
      authMethod: "client_secret_post",
      grantTypes: ["password", "refresh_token"],
      scopes: ["openid", "offline_access"],
    });
    const asCli = { client_id: cli.client.clientId, client_secret: cli.clientSecret as string };
    await store.close();

    // Sequentially: concurrent password attempts count against the login throttle until one succeeds.
    const chains: { length: number; tokens: string[]; inFlight: boolean }[] = [];
    for (let i = 0; i < CHAINS; i++) {
      const { status, body } = await post(`${base}/token`, {
        grant_type: "password",
        username: "admin",
        password: PASSWORD,
        scope: "openid offline_access",
        ...asCli,
      });
      expect(status, JSON.stringify(body)).toBe(200);
      chains.push({ length: i + 1, tokens: [body.refresh_token as string], inFlight: false });
    }

    // The load: every chain refreshing in turn, and four client-credentials loops, all at once.
    let acknowledged = 0;
    let killedAt = 0;
    const ccTokens: string[] = [];
    const acknowledge = () => {
      acknowledged++;
      if (acknowledged === KILL_AFTER) {
        killedAt = Date.now();
        first.node.child.kill("SIGKILL");
      }
    };
    const running = () => killedAt === 0;
    const refreshLoop = async (chain: (typeof chains)[number]) => {
      while (running() && chain.tokens.length <= chain.length) {
        chain.inFlight = true;
        const result = await post(`${base}/token`, {
          grant_type: "refresh_token",
          refresh_token: chain.tokens.at(-1) as string,
          ...asCli,
        }).catch(() => undefined);
        if (!result) return; // killed: this request stays in flight
        expect(result.status).toBe(200);
        chain.tokens.push(result.body.refresh_token as string);
        chain.inFlight = false;
        acknowledge();
      }
    };
    let ccLeft = CLIENT_CREDENTIALS;
    const ccLoop = async () => {
      while (running() && ccLeft-- > 0) {
        const result = await post(
          `${base}/token`,
          { grant_type: "client_credentials", scope: "storage.read:/cms" },
          { authorization: service },
        ).catch(() => undefined);
        if (!result) return;
        expect(result.status).toBe(200);
        ccTokens.push(result.body.access_token as string);
        acknowledge();
      }
    };
    await Promise.all([...chains.map(refreshLoop), ccLoop(), ccLoop(), ccLoop(), ccLoop()]);
    expect(killedAt).toBeGreaterThan(0);
    await first.node.exited;
    expect(first.node.child.signalCode).toBe("SIGKILL");

    if (dialect === "sqlite") {
      // No repair step: the file opens and is intact (the WAL is replayed by any opener).
      const file = new SqliteDatabase(join(database.dataDir, "tessera.sqlite"));
      expect(file.pragma("integrity_check", { simple: true })).toBe("ok");
      file.close();
    }
    const second = await start();
    console.log(
      `crash-safety (${dialect}): ${acknowledged} answers acknowledged before kill -9; restart ${second.wallMs} ms to ready (process start-up ${second.startupMs} ms), first start ${first.wallMs} ms`,
    );
    expect(second.wallMs).toBeLessThan(3000);

    // Every client-credentials token acknowledged before the kill still verifies.
    for (const token of ccTokens) {
      const { body } = await post(`${base}/introspect`, { token }, { authorization: service });
      expect(body.active).toBe(true);
    }
    // Every chain with no request in flight: its last token works, and the one before stays spent.
    const settled = chains.filter((c) => !c.inFlight);
    expect(settled.length).toBeGreaterThan(0);
    for (const chain of settled) {
      const last = await post(`${base}/token`, {
        grant_type: "refresh_token",
        refresh_token: chain.tokens.at(-1) as string,
        ...asCli,
      });
      expect(last.status).toBe(200);
      const spent = await post(`${base}/token`, {
        grant_type: "refresh_token",
        refresh_token: chain.tokens.at(-2) as string,
        ...asCli,
      });
      expect(spent.body.error).toBe("invalid_grant");
    }
    // A chain cut mid-request: its last acknowledged token is either still usable or spent by the
    // request that never got its answer; never a server error.
    for (const chain of chains.filter((c) => c.inFlight)) {
      const last = await post(`${base}/token`, {
        grant_type: "refresh_token",
        refresh_token: chain.tokens.at(-1) as string,
        ...asCli,
      });
      expect([200, 400]).toContain(last.status);
    }
    second.node.child.kill("SIGTERM");
    expect(await second.node.exited).toBe(0);
  }, 120_000);
});
