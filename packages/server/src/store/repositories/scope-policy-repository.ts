import type { Kysely, Selectable } from "kysely";
import type {
  PolicyMatching,
  PolicyRule,
  ScopePolicy,
  ScopePolicyRepository,
} from "../../domain/policies/scope-policy.js";
import type { Database, ScopePoliciesTable } from "../schema.js";
import { fromJsonList, toJson } from "./json-columns.js";

const toPolicy = (r: Selectable<ScopePoliciesTable>): ScopePolicy => ({
  id: r.id,
  description: r.description,
  rule: r.rule as PolicyRule,
  accountId: r.account_id,
  groupId: r.group_id,
  scopes: fromJsonList(r.scopes),
  matching: r.matching as PolicyMatching,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRow = (p: ScopePolicy): ScopePoliciesTable => ({
  id: p.id,
  description: p.description,
  rule: p.rule,
  account_id: p.accountId,
  group_id: p.groupId,
  scopes: toJson(p.scopes),
  matching: p.matching,
  created_at: p.createdAt,
  updated_at: p.updatedAt,
});

export function createScopePolicyRepository(db: Kysely<Database>): ScopePolicyRepository {
  return {
    async create(policy) {
      await db.insertInto("scope_policies").values(toRow(policy)).execute();
    },
    async find(id) {
      const row = await db.selectFrom("scope_policies").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toPolicy(row);
    },
    async list() {
      return (
        await db.selectFrom("scope_policies").selectAll().orderBy("created_at").orderBy("id").execute()
      ).map(toPolicy);
    },
    async applicable(accountId, groupIds) {
      const rows = await db
        .selectFrom("scope_policies")
        .selectAll()
        .where((eb) =>
          eb.or([
            eb("account_id", "=", accountId),
            ...(groupIds.length > 0 ? [eb("group_id", "in", groupIds)] : []),
            eb.and([eb("account_id", "is", null), eb("group_id", "is", null)]),
          ]),
        )
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toPolicy);
    },
    async update(policy) {
      const { id, created_at, ...changes } = toRow(policy);
      await db.updateTable("scope_policies").set(changes).where("id", "=", id).execute();
    },
    async delete(id) {
      const result = await db.deleteFrom("scope_policies").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
