import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openStore, type Store } from "../../src/store/database.js";

/** The database the suite runs on: PostgreSQL when TESSERA_TEST_DATABASE_URL is set, else SQLite. */
export const testDatabaseUrl = process.env.TESSERA_TEST_DATABASE_URL || undefined;
export const testDialect = testDatabaseUrl ? "postgres" : "sqlite";

export interface TestDatabase {
  /** Set on PostgreSQL: a database of its own, dropped by cleanup. */
  databaseUrl: string | undefined;
  dataDir: string;
  open(): Store;
  cleanup(): Promise<void>;
}

/**
 * A private database for one test file: a temporary SQLite file, or a uniquely named
 * PostgreSQL database created on the server and dropped afterwards, so runs never share state.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-test-"));
  let databaseUrl: string | undefined;
  let dropName: string | undefined;
  if (testDatabaseUrl) {
    dropName = `tessera_test_${randomBytes(6).toString("hex")}`;
    await withAdmin(testDatabaseUrl, (c) => c.query(`create database ${dropName}`));
    const url = new URL(testDatabaseUrl);
    url.pathname = `/${dropName}`;
    databaseUrl = url.href;
  }
  const opened: Store[] = [];
  return {
    databaseUrl,
    dataDir,
    open() {
      const store = openStore({ databaseUrl, dataDir });
      opened.push(store);
      return store;
    },
    async cleanup() {
      await Promise.allSettled(opened.map((s) => s.close()));
      if (dropName && testDatabaseUrl) {
        const name = dropName;
        await withAdmin(testDatabaseUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function withAdmin(url: string, run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}
