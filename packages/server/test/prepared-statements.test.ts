import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openStore, type Store } from "../src/store/database.js";
import { createTestDatabase, type TestDatabase, testDatabaseUrl } from "./support/test-store.js";

// PostgreSQL only: SQLite statements are cached in-process instead (store/database.ts).
describe.runIf(testDatabaseUrl)("named statements on PostgreSQL", () => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = database.open();
    await store.migrate();
  });
  afterAll(() => database.cleanup());

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
