import type { Kysely, Selectable } from "kysely";
import { type Consent, type ConsentRepository, unionScopes } from "../../domain/clients/consent.js";
import type { ConsentsTable, Database } from "../schema.js";

const toConsent = (r: Selectable<ConsentsTable>): Consent => ({
  accountId: r.account_id,
  clientId: r.client_id,
  scopes: r.scope.split(" ").filter(Boolean),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function createConsentRepository(db: Kysely<Database>): ConsentRepository {
  const find = async (executor: Kysely<Database>, accountId: string, clientId: string) => {
    const row = await executor
      .selectFrom("consents")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("client_id", "=", clientId)
      .executeTakeFirst();
    return row && toConsent(row);
  };

  return {
    find: (accountId, clientId) => find(db, accountId, clientId),

    grant: (accountId, clientId, scopes, at) =>
      db.transaction().execute(async (tx) => {
        const existing = await find(tx, accountId, clientId);
        const scope = unionScopes(existing?.scopes ?? [], scopes).join(" ");
        // The upsert also settles two first approvals racing each other (the later one wins).
        await tx
          .insertInto("consents")
          .values({ account_id: accountId, client_id: clientId, scope, created_at: at, updated_at: at })
          .onConflict((oc) => oc.columns(["account_id", "client_id"]).doUpdateSet({ scope, updated_at: at }))
          .execute();
        return (await find(tx, accountId, clientId)) as Consent;
      }),

    async revoke(accountId, clientId) {
      const result = await db
        .deleteFrom("consents")
        .where("account_id", "=", accountId)
        .where("client_id", "=", clientId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async listForAccount(accountId) {
      const rows = await db
        .selectFrom("consents")
        .selectAll()
        .where("account_id", "=", accountId)
        .orderBy("client_id")
        .execute();
      return rows.map(toConsent);
    },
  };
}
