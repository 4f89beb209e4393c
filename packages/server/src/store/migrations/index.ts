import type { Migration, MigrationProvider } from "kysely";
import type { Dialect } from "../dialect.js";
import { foundation } from "./001-foundation.js";

/** Migrations in order. Names sort lexically; never rename or edit one that has shipped. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    "001-foundation": foundation(dialect),
  };
  return { getMigrations: async () => migrations };
}
