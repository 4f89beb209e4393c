import { mkdirSync } from "node:fs";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import {
  Kysely,
  type SqliteDatabase as KyselySqliteDatabase,
  Migrator,
  PostgresDialect,
  SqliteDialect,
} from "kysely";
import pg from "pg";
import type { Dialect } from "./dialect.js";
import { migrationProvider } from "./migrations/index.js";
import type { Database } from "./schema.js";
import { startSqliteCheckpointer } from "./sqlite-checkpointer.js";

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Applies every pending migration; safe to call on every start and from several nodes. */
  migrate(): Promise<void>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…`; unset selects SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** SQLite file name inside dataDir; `:memory:` for a throwaway database. */
  sqliteFile?: string;
  /** PostgreSQL: name statements so each connection parses them once (default true). */
  preparedStatements?: boolean;
}

const INT8_OID = 20;

export function openStore(options: StoreOptions): Store {
  const dialect: Dialect = options.databaseUrl ? "postgres" : "sqlite";
  const sqlite = options.databaseUrl ? undefined : sqliteDialect(options);
  const db = new Kysely<Database>({
    dialect:
      sqlite?.dialect ?? postgresDialect(options.databaseUrl as string, options.preparedStatements ?? true),
  });
  return {
    db,
    dialect,
    async migrate() {
      const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((r) => r.status === "Error");
      if (error || failed) {
        throw new Error(`database migration ${failed?.migrationName ?? ""} failed: ${String(error)}`);
      }
    },
    async ping() {
      try {
        await db.selectNoFrom((eb) => eb.lit(1).as("one")).execute();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await sqlite?.checkpointer?.stop();
      await db.destroy();
    },
  };
}

/**
 * pg sends every query unnamed, so PostgreSQL parses and plans it afresh each time. Kysely
 * compiles one query shape to one SQL text, so naming statements by their text lets each
 * connection parse a statement once and then only bind and execute it (pg remembers what each
 * connection has prepared). A connection names at most PREPARED_PER_CONNECTION texts; any more
 * (IN lists of many lengths, say) go unnamed, so the server's memory per connection stays bounded.
 */
const PREPARED_PER_CONNECTION = 200;
// SQLSTATE 0A000 with this message: a table under a prepared `select *` changed shape.
const PLAN_CHANGED = /cached plan must not change result type/;

class PreparingClient extends pg.Client {
  readonly #names = new Map<string, string>();
  #named = 0;
  #inTransaction = false;

  // pg's query() has a dozen overloads; only Kysely's (text, values) promise form is named.
  // biome-ignore lint/suspicious/noExplicitAny: every other overload is forwarded unchanged
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config !== "string" || callback !== undefined) return super.query(config, values, callback);
    if (!Array.isArray(values) || values.length === 0) {
      // Transaction control carries no parameters: only these texts need the checks.
      if (/^\s*(begin|start transaction)\b/i.test(config)) this.#inTransaction = true;
      else if (/^\s*(commit|end|rollback(?!\s+to\b))\b/i.test(config)) this.#inTransaction = false;
      return super.query(config, values);
    }
    const name = this.#nameOf(config);
    if (name === undefined) return super.query(config, values);
    return (super.query({ name, text: config, values }) as Promise<pg.QueryResult>).catch(
      (error: unknown) => {
        if (!(error instanceof Error && PLAN_CHANGED.test(error.message))) throw error;
        // A migration changed a table under this connection's statements (another node upgraded
        // first): they are prepared again under new names. Outside a transaction this query is
        // simply run again; inside one, the transaction has failed and its caller sees the error.
        this.#names.clear();
        if (this.#inTransaction) throw error;
        return this.query(config, values);
      },
    );
  }

  #nameOf(text: string): string | undefined {
    let name = this.#names.get(text);
    if (name === undefined && this.#named < PREPARED_PER_CONNECTION) {
      name = `tessera_${this.#named++}`;
      this.#names.set(text, name);
    }
    return name;
  }
}

function postgresDialect(url: string, preparedStatements: boolean): PostgresDialect {
  const pool = new pg.Pool({
    ...(preparedStatements ? { Client: PreparingClient } : {}),
    connectionString: url,
    max: 10,
    // Times are epoch milliseconds in bigint columns: well inside 2^53, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection the server drops (a restart, a failover, an administrator's terminate)
  // emits 'error' on the pool; without a listener that is an uncaught exception. The pool
  // replaces the connection on the next query, so there is nothing else to do here.
  pool.on("error", () => {});
  return new PostgresDialect({ pool });
}

function sqliteDialect(options: StoreOptions) {
  const file = options.sqliteFile ?? "tessera.sqlite";
  const path = file === ":memory:" ? undefined : join(options.dataDir, file);
  if (path) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const database = new SqliteDatabase(path ?? ":memory:");
  // WAL lets readers run beside the writer; NORMAL keeps every commit durable against a process
  // crash (kill -9), which is the failure the service must survive.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 5000");
  return {
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
    checkpointer: path ? startSqliteCheckpointer(database, path) : undefined,
  };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query afresh, and preparing (parsing and planning the
 * SQL) cost more than running it on the token endpoint: ~450 µs of a refresh's ~750 µs of
 * SQLite time went to eight prepares. Kysely compiles a given query shape to the same SQL text,
 * so prepared statements are kept by text, least recently used dropped first. A statement still
 * being iterated (a streamed select) cannot run twice at once: then a fresh one is prepared.
 */
function withStatementCache(database: SqliteDatabase.Database): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        // Re-insert: Map order is the recency order.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (!cached) {
        cache.set(sql, statement);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      return statement;
    },
  };
}
