import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../src/config/load.js";
import {
  createHousekeeping,
  type HousekeepingRepository,
  runHousekeepingOnce,
} from "../src/domain/maintenance/housekeeping.js";
import { createServices, type Services } from "../src/services.js";
import type { Store } from "../src/store/database.js";
import { createRepositories } from "../src/store/repositories/index.js";
import { createTestClock } from "./support/test-clock.js";
import { createTestDatabase, type TestDatabase, testDatabaseUrl, testDialect } from "./support/test-store.js";

const DAY = 86_400_000;
const repoOf = (s: Store) => createRepositories(s.db, s.dialect).housekeeping;
const MAIN = resolve(import.meta.dirname, "../src/main.ts");
const KEK = "B".repeat(43);

let database: TestDatabase;
let store: Store;
let services: Services;
const clock = createTestClock();

beforeAll(async () => {
  database = await createTestDatabase();
  store = database.open();
  await store.migrate();
  const config = loadConfig({ TESSERA_DATA_DIR: database.dataDir }, undefined);
  services = createServices({ config, store, clock, encryptionKey: new Uint8Array(32) });
  const now = clock.now();
  await store.db
    .insertInto("accounts")
    .values({
      id: "acc",
      username: "olivia",
      name: "Olivia",
      email: "o@example.org",
      status: "active",
      password_hash: null,
      is_admin: 0,
      ends_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await store.db
    .insertInto("clients")
    .values({
      client_id: "cli",
      client_name: "c",
      secret_hash: null,
      auth_method: "none",
      application_type: "web",
      redirect_uris: "[]",
      grant_types: "[]",
      scope: "",
      audiences: "[]",
      access_token_lifetime: null,
      refresh_token_lifetime: null,
      jwks: null,
      owner_account_id: null,
      registration_token_hash: null,
      created_at: now,
      updated_at: now,
      skip_consent: 0,
      post_logout_redirect_uris: "[]",
    })
    .execute();
});
afterAll(async () => {
  await services?.gateway.close();
  await database?.cleanup();
});

const housekeepingWith = (
  repo: HousekeepingRepository,
  extra: { batchSize?: number; timeBudgetMs?: number } = {},
) =>
  createHousekeeping({
    repo,
    clock,
    auditRetention: 400 * 86_400,
    sessionIdleTimeout: 2 * 3600,
    tokens: services.gateway.tokens,
    ...extra,
  });

async function seed(now: number, tag: string) {
  const db = store.db;
  const past = now - 1000;
  const future = now + DAY;
  const session = (id: string, expires: number, lastSeen: number) => ({
    id_hash: `${tag}-${id}`,
    account_id: "acc",
    created_at: now - DAY,
    last_seen_at: lastSeen,
    expires_at: expires,
    ip: "127.0.0.1",
    user_agent: "t",
  });
  await db
    .insertInto("sessions")
    .values([
      session("s-expired", past, now - 60_000),
      session("s-idle", future, now - 3 * 3600_000),
      session("s-live", future, now - 60_000),
    ])
    .execute();
  // A token delegated from the idle session: revoked with a history record, not a silent cascade.
  await db
    .insertInto("user_tokens")
    .values({
      token_key: `${tag}-child`,
      secret_hash: "x",
      account_id: "acc",
      kind: "internal",
      name: null,
      scopes: "read:/",
      service: "svc",
      parent_key: null,
      parent_session: `${tag}-s-idle`,
      delegation_key: null,
      created_by: null,
      created_at: now - 60_000,
      last_used_at: null,
      expires_at: future,
    })
    .execute();
  const code = (id: string, expires: number) => ({
    code_hash: `${tag}-${id}`,
    client_id: "cli",
    account_id: "acc",
    redirect_uri: "https://x/cb",
    scope: "openid",
    audiences: "[]",
    nonce: null,
    code_challenge: null,
    auth_time: now,
    family_id: "f",
    created_at: now - 60_000,
    expires_at: expires,
    used_at: null,
  });
  await db
    .insertInto("authorization_codes")
    .values([code("c-old", past), code("c-live", future)])
    .execute();
  const device = (id: string, expires: number) => ({
    device_code_hash: `${tag}-${id}`,
    user_code: `${tag}-${id}`,
    client_id: "cli",
    scope: "openid",
    audiences: "[]",
    status: "pending",
    account_id: null,
    auth_time: null,
    interval: 5,
    last_polled_at: null,
    created_at: now - 60_000,
    expires_at: expires,
  });
  await db
    .insertInto("device_authorizations")
    .values([device("d-old", past), device("d-live", future)])
    .execute();
  const refresh = (id: string, expires: number) => ({
    token_hash: `${tag}-${id}`,
    family_id: "f",
    client_id: "cli",
    account_id: "acc",
    scope: "openid",
    audiences: "[]",
    auth_time: now,
    created_at: now - 60_000,
    expires_at: expires,
    used_at: null,
    revoked_at: null,
  });
  await db
    .insertInto("refresh_tokens")
    .values([refresh("r-old", past), refresh("r-live", future)])
    .execute();
  await db
    .insertInto("revoked_access_tokens")
    .values([
      { jti: `${tag}-j-old`, expires_at: past },
      { jti: `${tag}-j-live`, expires_at: future },
    ])
    .execute();
  await db
    .insertInto("one_time_ids")
    .values([
      { id: `${tag}-o-old`, expires_at: past },
      { id: `${tag}-o-live`, expires_at: future },
    ])
    .execute();
  await db
    .insertInto("password_resets")
    .values([
      {
        token_hash: `${tag}-p-old`,
        account_id: "acc",
        created_at: now - DAY,
        expires_at: past,
        used_at: null,
      },
      { token_hash: `${tag}-p-live`, account_id: "acc", created_at: now, expires_at: future, used_at: null },
    ])
    .execute();
  await db
    .insertInto("login_throttle")
    .values([
      { key: `${tag}-t-idle`, failures: 3, locked_until: 0, last_failure_at: now - 2 * DAY },
      { key: `${tag}-t-locked`, failures: 9, locked_until: future, last_failure_at: now - 2 * DAY },
      { key: `${tag}-t-recent`, failures: 1, locked_until: 0, last_failure_at: now - 60_000 },
    ])
    .execute();
  const registration = (id: string, status: string, createdAt: number, linkExpires: number) => ({
    id: `${tag}-${id}`,
    username: `${tag}-${id}`,
    name: "n",
    email: "e@example.org",
    notes: "",
    password_hash: "hash",
    aup_accepted_at: createdAt,
    status,
    email_token_hash: `link-${tag}-${id}`,
    email_token_expires_at: linkExpires,
    email_confirmed_at: null,
    account_id: null,
    decided_by: null,
    reason: null,
    ip: null,
    created_at: createdAt,
    decided_at: null,
  });
  await db
    .insertInto("registrations")
    .values([
      registration("g-unconfirmed", "unconfirmed", now - DAY, past),
      registration("g-rejected-old", "rejected", now - 401 * DAY, past),
      registration("g-pending-old", "pending", now - 401 * DAY, past),
      registration("g-rejected-new", "rejected", now - 10 * DAY, past),
    ])
    .execute();
  const audit = (at: number) => ({
    at,
    account_id: null,
    username: tag,
    event: "login",
    method: null,
    result: "success",
    reason: null,
    ip: null,
    user_agent: null,
  });
  await db
    .insertInto("audit_events")
    .values([audit(now - 401 * DAY), audit(now - 399 * DAY)])
    .execute();
  const history = (at: number) => ({
    token_key: `${tag}-h`,
    account_id: "acc",
    kind: "user",
    action: "create",
    actor: null,
    old_values: null,
    new_values: null,
    ip: null,
    at,
  });
  await db
    .insertInto("token_history")
    .values([history(now - 401 * DAY), history(now - 399 * DAY)])
    .execute();
}

const keysOf = async (table: string, column: string, tag: string) =>
  (
    await (store.db as unknown as import("kysely").Kysely<Record<string, Record<string, string>>>)
      .selectFrom(table)
      .select(column)
      .where(column, "like", `${tag}-%`)
      .execute()
  )
    .map((r) => r[column])
    .sort();

describe(`housekeeping on ${testDialect}`, () => {
  test("deletes rows past expiry or retention and keeps live ones", async () => {
    const now = clock.now();
    await seed(now, "a");
    const report = await housekeepingWith(repoOf(store)).run();
    expect(report.complete).toBe(true);
    expect(report.deleted).toMatchObject({
      sessions: 2,
      authorization_codes: 1,
      device_authorizations: 1,
      refresh_tokens: 1,
      revoked_access_tokens: 1,
      one_time_ids: 1,
      password_resets: 1,
      login_throttle: 1,
      registrations_expired: 1,
      registrations: 1,
      audit_events: 1,
      token_history: 1,
    });
    expect(await keysOf("sessions", "id_hash", "a")).toEqual(["a-s-live"]);
    expect(await keysOf("authorization_codes", "code_hash", "a")).toEqual(["a-c-live"]);
    expect(await keysOf("device_authorizations", "device_code_hash", "a")).toEqual(["a-d-live"]);
    expect(await keysOf("refresh_tokens", "token_hash", "a")).toEqual(["a-r-live"]);
    expect(await keysOf("revoked_access_tokens", "jti", "a")).toEqual(["a-j-live"]);
    expect(await keysOf("one_time_ids", "id", "a")).toEqual(["a-o-live"]);
    expect(await keysOf("password_resets", "token_hash", "a")).toEqual(["a-p-live"]);
    expect(await keysOf("login_throttle", "key", "a")).toEqual(["a-t-locked", "a-t-recent"]);
    expect(await keysOf("registrations", "id", "a")).toEqual([
      "a-g-pending-old",
      "a-g-rejected-new",
      "a-g-unconfirmed",
    ]);
    const closed = await store.db
      .selectFrom("registrations")
      .selectAll()
      .where("id", "=", "a-g-unconfirmed")
      .executeTakeFirstOrThrow();
    expect(closed).toMatchObject({ status: "expired", password_hash: null, email_token_hash: null });
    // Retention: 401 days old goes, 399 days old stays.
    const audit = await store.db
      .selectFrom("audit_events")
      .select("at")
      .where("username", "=", "a")
      .execute();
    expect(audit.map((r) => r.at)).toEqual([now - 399 * DAY]);
    const history = await store.db
      .selectFrom("token_history")
      .selectAll()
      .where("token_key", "=", "a-h")
      .execute();
    expect(history.map((r) => r.at)).toEqual([now - 399 * DAY]);
    // The idle session's delegated token was revoked through the token service, with history.
    expect(await keysOf("user_tokens", "token_key", "a")).toEqual([]);
    const revoked = await store.db
      .selectFrom("token_history")
      .select("action")
      .where("token_key", "=", "a-child")
      .execute();
    expect(revoked.map((r) => r.action)).toEqual(["revoke"]);

    // A second pass finds nothing more.
    const again = await housekeepingWith(repoOf(store)).run();
    expect(Object.values(again.deleted).every((n) => n === 0)).toBe(true);
  });

  test("deletes in batches of batchSize, and stops when the time budget is spent", async () => {
    const now = clock.now();
    const rows = Array.from({ length: 2500 }, (_, i) => ({ id: `b-${i}`, expires_at: now - 1 }));
    for (let i = 0; i < rows.length; i += 500)
      await store.db
        .insertInto("one_time_ids")
        .values(rows.slice(i, i + 500))
        .execute();
    const repo = repoOf(store);
    const batches: number[] = [];
    const counting: HousekeepingRepository = {
      ...repo,
      async deleteExpired(table, at, limit) {
        const n = await repo.deleteExpired(table, at, limit);
        if (table === "one_time_ids") batches.push(n);
        return n;
      },
    };
    const out = await housekeepingWith(counting, { timeBudgetMs: 0 }).run();
    expect(out.complete).toBe(false);
    expect(out.deleted.one_time_ids).toBe(0);
    expect(await keysOf("one_time_ids", "id", "b")).toHaveLength(2500);

    const report = await housekeepingWith(counting, { batchSize: 1000 }).run();
    expect(batches).toEqual([1000, 1000, 500]);
    expect(report.deleted.one_time_ids).toBe(2500);
    expect(await keysOf("one_time_ids", "id", "b")).toEqual([]);
  });

  test.runIf(testDatabaseUrl)("two runners on PostgreSQL: only one does the pass", async () => {
    const other = database.open();
    const repoA = repoOf(store);
    const repoB = repoOf(other);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let runs = 0;
    const slow = {
      run: async () => {
        runs++;
        await gate;
        return { deleted: {}, complete: true, ms: 0 };
      },
    };
    const first = runHousekeepingOnce(repoA, slow);
    // Let the first take the lock before the second asks.
    for (let i = 0; i < 100 && runs === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(runs).toBe(1);
    const second = await runHousekeepingOnce(repoB, slow);
    expect(second).toBeUndefined();
    release();
    expect(await first).toMatchObject({ complete: true });
    expect(runs).toBe(1);
    // The lock is released after the pass: the other node gets it next time.
    expect(await runHousekeepingOnce(repoB, slow)).toMatchObject({ complete: true });
    expect(runs).toBe(2);
  });

  test("`tessera-server maintenance` runs one pass and prints what it deleted per table", async () => {
    const now = Date.now();
    await store.db
      .insertInto("one_time_ids")
      .values([
        { id: "m-old", expires_at: now - 1000 },
        { id: "m-live", expires_at: now + DAY },
      ])
      .execute();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      TESSERA_DATA_DIR: database.dataDir,
      TESSERA_KEY_ENCRYPTION_KEY: KEK,
      TESSERA_LOG_LEVEL: "silent",
    };
    if (database.databaseUrl) env.TESSERA_DATABASE_URL = database.databaseUrl;
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", MAIN, "maintenance"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString();
    });
    try {
      const code = await new Promise<number | null>((done) => child.on("exit", done));
      expect(code, output).toBe(0);
      expect(output).toMatch(/^one_time_ids\s+1$/m);
      expect(output).toMatch(/^sessions\s+0$/m);
      expect(output).toMatch(/maintenance: done in \d+ ms/);
      expect(await keysOf("one_time_ids", "id", "m")).toEqual(["m-live"]);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 30_000);
});
