import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConflictError } from "../src/domain/errors.js";
import { openStore, type Store } from "../src/store/database.js";
import { prepareQuery } from "../src/store/prepared-query.js";
import { createRepositories } from "../src/store/repositories/index.js";
import { createTestDatabase, type TestDatabase, testDatabaseUrl, testDialect } from "./support/test-store.js";

let database: TestDatabase;
let store: Store;

beforeAll(async () => {
  database = await createTestDatabase();
  store = database.open();
});
afterAll(() => database.cleanup());

describe(`store on ${testDialect}`, () => {
  test("migrates an empty database, and migrating again changes nothing", async () => {
    expect(store.dialect).toBe(testDialect);
    await store.migrate();
    const tables = (await store.db.introspection.getTables()).map((t) => t.name).sort();
    expect(tables).toEqual([
      "accounts",
      "audit_events",
      "aup",
      "aup_signatures",
      "authorization_codes",
      "clients",
      "consents",
      "device_authorizations",
      "group_members",
      "group_requests",
      "groups",
      "identities",
      "login_throttle",
      "one_time_ids",
      "password_resets",
      "rate_limits",
      "refresh_tokens",
      "registrations",
      "revoked_access_tokens",
      "scope_policies",
      "sessions",
      "signing_keys",
      "token_exchange_policies",
      "token_history",
      "totp_credentials",
      "totp_recovery_codes",
      "user_tokens",
    ]);
    await store.migrate();
    // Several nodes starting together all migrate; the migrator's lock makes that safe.
    await Promise.all([database.open().migrate(), database.open().migrate()]);
    expect((await store.db.introspection.getTables()).length).toBe(tables.length);
  });

  test("usernames are unique", async () => {
    const repos = createRepositories(store.db, store.dialect);
    const account = {
      id: "a1",
      username: "olivia",
      name: "Olivia",
      email: "o@example.org",
      status: "active" as const,
      isAdmin: false,
      passwordHash: null,
      createdAt: 1,
      updatedAt: 1,
    };
    await repos.accounts.create(account);
    await expect(repos.accounts.create({ ...account, id: "a2" })).rejects.toBeInstanceOf(ConflictError);
    expect(await repos.accounts.count()).toBe(1);
    expect(await repos.accounts.findByUsername("olivia")).toMatchObject({
      id: "a1",
      isAdmin: false,
      status: "active",
    });
  });

  test("concurrent login attempts on two nodes all count (row-locked)", async () => {
    const repos = createRepositories(store.db, store.dialect);
    // PostgreSQL: a second connection pool, as another node would have. SQLite serves one process
    // through one connection (a second in-process connection would block the event loop on locks).
    const other =
      store.dialect === "postgres" ? createRepositories(database.open().db, store.dialect) : repos;
    const options = { forgetBefore: 0, limit: 1000, lockFor: () => 60 };
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? repos : other).throttle.attempt("user:x", 1000 + i, options),
      ),
    );
    const [state] = await repos.throttle.get(["user:x"]);
    expect(state?.failures).toBe(20);
    // At the limit the key locks; attempts while locked are refused and not counted.
    const limited = { forgetBefore: 0, limit: 21, lockFor: () => 60 };
    expect(await repos.throttle.attempt("user:x", 2000, limited)).toEqual({
      allowed: true,
      lockedUntil: 62_000,
    });
    expect((await repos.throttle.attempt("user:x", 3000, limited)).allowed).toBe(false);
    // A failure after the forget horizon starts over.
    await repos.throttle.attempt("user:x", 10_000_000, { ...options, forgetBefore: 5_000_000 });
    const [fresh] = await repos.throttle.get(["user:x"]);
    expect(fresh?.failures).toBe(1);
  });

  test("times survive as numbers (bigint columns)", async () => {
    const repos = createRepositories(store.db, store.dialect);
    const at = Date.UTC(2099, 0, 1);
    await repos.audit.append({
      at,
      accountId: null,
      username: "x",
      event: "login",
      method: "password",
      result: "failure",
      reason: "unknown_user",
      ip: "::1",
      userAgent: "t",
    });
    const [event] = await repos.audit.list({ limit: 1 });
    expect(event?.at).toBe(at);
    expect(typeof event?.id).toBe("number");
  });
});

// PostgreSQL only: SQLite statements are cached in-process instead (store/database.ts).
describe.runIf(testDatabaseUrl)("named statements on PostgreSQL", () => {
  beforeAll(() => store.migrate());

  /** The statements the current connection has prepared, by text. */
  const prepared = async (trx: Store["db"]) =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(trx)).rows.map(
      (r) => r.statement,
    );

  test("a query with parameters is parsed once per connection and answers as before", async () => {
    await store.db.transaction().execute(async (trx) => {
      const first = await trx.selectFrom("accounts").select("id").where("username", "=", "nobody").execute();
      const again = await trx.selectFrom("accounts").select("id").where("username", "=", "nobody").execute();
      expect(first).toEqual([]);
      expect(again).toEqual([]);
      const statements = await prepared(trx);
      expect(statements.filter((s) => s.includes('from "accounts" where "username" = $1'))).toHaveLength(1);
    });
  });

  test("a connection names at most 200 texts; further ones still run, unnamed", async () => {
    await store.db.transaction().execute(async (trx) => {
      // 250 distinct texts, each with a parameter.
      for (let n = 0; n < 250; n++) {
        const { rows } = await sql<{ v: number }>`select ${sql.lit(n)}::int + ${1}::int as v`.execute(trx);
        expect(rows[0]?.v).toBe(n + 1);
      }
      expect((await prepared(trx)).length).toBeLessThanOrEqual(200);
    });
  });

  test("another node's migration changes a table under a prepared statement: the query is run again, not failed", async () => {
    // Connections of their own: the previous test used up its connection's names.
    const fresh = database.open();
    await sql`create table plan_probe (id int primary key, a text)`.execute(fresh.db);
    await sql`insert into plan_probe values (1, 'one')`.execute(fresh.db);
    const probe = () =>
      sql<Record<string, unknown>>`select * from plan_probe where id = ${1}`.execute(fresh.db);
    // Sequential queries take the same idle connection, which prepares the statement.
    for (let n = 0; n < 5; n++) expect((await probe()).rows).toEqual([{ id: 1, a: "one" }]);

    const other = new pg.Client({ connectionString: database.databaseUrl });
    await other.connect();
    await other.query("alter table plan_probe add column b text default 'two'");
    for (let n = 0; n < 5; n++) expect((await probe()).rows).toEqual([{ id: 1, a: "one", b: "two" }]);

    // Inside a transaction the failed statement has aborted it: the caller sees the error once,
    // and the connection prepares afresh.
    await other.query("alter table plan_probe add column c text default 'three'");
    const inTransaction = await fresh.db
      .transaction()
      .execute(async (trx) => {
        for (let n = 0; n < 5; n++) await sql`select * from plan_probe where id = ${1}`.execute(trx);
        return "ran";
      })
      .catch((error: Error) => error.message);
    expect(["ran", "cached plan must not change result type"]).toContain(inTransaction);
    expect((await probe()).rows).toEqual([{ id: 1, a: "one", b: "two", c: "three" }]);
    await other.end();
  });

  test("off (databasePreparedStatements: false, for poolers in transaction mode): nothing is prepared", async () => {
    const plain = openStore({
      databaseUrl: database.databaseUrl,
      dataDir: database.dataDir,
      preparedStatements: false,
    });
    try {
      await plain.db.transaction().execute(async (trx) => {
        await trx.selectFrom("accounts").select("id").where("username", "=", "nobody").execute();
        expect(await prepared(trx)).toEqual([]);
      });
    } finally {
      await plain.close();
    }
  });
});

describe(`prepared queries on ${testDialect}`, () => {
  test("built once, run with each call's arguments, also inside a transaction", async () => {
    await store.migrate();
    const { db } = store;
    await db
      .insertInto("one_time_ids")
      .values([
        { id: "prepared-a", expires_at: 1 },
        { id: "prepared-b", expires_at: 2 },
      ])
      .execute();
    const expiringAfter = prepareQuery(db, (id: string, after: number) =>
      db
        .selectFrom("one_time_ids")
        .select(["id", "expires_at"])
        .where("id", "=", id)
        .where("expires_at", ">", after),
    );
    expect((await expiringAfter("prepared-a", 0)).rows).toEqual([{ id: "prepared-a", expires_at: 1 }]);
    expect((await expiringAfter("prepared-b", 0)).rows).toEqual([{ id: "prepared-b", expires_at: 2 }]);
    expect((await expiringAfter("prepared-b", 2)).rows).toEqual([]);

    const extend = prepareQuery(db, (id: string, at: number) =>
      db.updateTable("one_time_ids").set({ expires_at: at }).where("id", "=", id),
    );
    await expect(
      db.transaction().execute(async (trx) => {
        expect(Number((await extend.in(trx, "prepared-a", 7)).numAffectedRows)).toBe(1);
        expect((await expiringAfter.in(trx, "prepared-a", 6)).rows).toHaveLength(1);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect((await expiringAfter("prepared-a", 6)).rows).toEqual([]);
  });

  test("a builder that transforms or drops an argument is refused, not run", async () => {
    const { db } = store;
    const transformed = prepareQuery(db, (id: string) =>
      db.selectFrom("one_time_ids").selectAll().where("id", "=", `${id}!`),
    );
    await expect(transformed("x")).rejects.toThrow(/transformed/);
    const dropped = prepareQuery(db, (_id: string) => db.selectFrom("one_time_ids").selectAll());
    await expect(dropped("x")).rejects.toThrow(/argument 0 is not a parameter/);
  });
});

describe.runIf(testDialect === "sqlite")("SQLite checkpoints on a worker thread", () => {
  test("the log reaches the database file without the writer checkpointing; close waits for the worker", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tessera-checkpoint-"));
    const local = openStore({ dataDir });
    const file = join(dataDir, "tessera.sqlite");
    await sql`create table filler (x text)`.execute(local.db);
    const before = statSync(file).size;
    // ~100 pages: far below the writer's own backstop (8,000 pages), so only the worker copies them.
    for (let i = 0; i < 100; i++) {
      await sql`insert into filler values (${"x".repeat(4000)})`.execute(local.db);
    }
    const deadline = Date.now() + 2_000;
    while (statSync(file).size === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(statSync(file).size).toBeGreaterThan(before + 100 * 4000);
    await local.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("closing waits for the worker even when nothing else keeps the process alive", () => {
    // Regression: the worker is unreferenced while it runs; closing must reference it again, or
    // the process exits mid-close with the close never finished (a script's next line never runs).
    const dataDir = mkdtempSync(join(tmpdir(), "tessera-checkpoint-"));
    const database = new URL("../src/store/database.ts", import.meta.url).href;
    const script = `const { openStore } = await import(${JSON.stringify(database)});
      const store = openStore({ dataDir: ${JSON.stringify(dataDir)} });
      await store.close();
      console.log("closed");`;
    const out = execFileSync(
      process.execPath,
      ["--conditions=source", "--import", "tsx", "--input-type=module", "--eval", script],
      { encoding: "utf8" },
    );
    rmSync(dataDir, { recursive: true, force: true });
    expect(out.trim()).toBe("closed");
  });
});
