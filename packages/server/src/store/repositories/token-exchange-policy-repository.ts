import type { Kysely, Selectable } from "kysely";
import {
  ANY_CLIENT,
  type TokenExchangePolicy,
  type TokenExchangePolicyRepository,
} from "../../domain/clients/token-exchange-policy.js";
import { ConflictError } from "../../domain/errors.js";
import type { Database, TokenExchangePoliciesTable } from "../schema.js";
import { isUniqueViolation } from "../unique-violation.js";

function toPolicy(r: Selectable<TokenExchangePoliciesTable>): TokenExchangePolicy {
  return {
    id: r.id,
    originClientId: r.origin_client_id,
    destinationClientId: r.destination_client_id,
    allowRefresh: Number(r.allow_refresh) === 1,
    scopeCeiling: r.scope_ceiling.split(" ").filter(Boolean),
    createdAt: Number(r.created_at),
  };
}

export function createTokenExchangePolicyRepository(db: Kysely<Database>): TokenExchangePolicyRepository {
  return {
    async create(p) {
      try {
        await db
          .insertInto("token_exchange_policies")
          .values({
            id: p.id,
            origin_client_id: p.originClientId,
            destination_client_id: p.destinationClientId,
            allow_refresh: p.allowRefresh ? 1 : 0,
            scope_ceiling: p.scopeCeiling.join(" "),
            created_at: p.createdAt,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError("token_exchange_policy");
        throw error;
      }
    },
    async list() {
      const rows = await db
        .selectFrom("token_exchange_policies")
        .selectAll()
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toPolicy);
    },
    async delete(id) {
      const result = await db.deleteFrom("token_exchange_policies").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async candidates(origin, destination) {
      const rows = await db
        .selectFrom("token_exchange_policies")
        .selectAll()
        .where("origin_client_id", "in", [origin, ANY_CLIENT])
        .where("destination_client_id", "in", [destination, ANY_CLIENT])
        .execute();
      return rows.map(toPolicy);
    },
  };
}
