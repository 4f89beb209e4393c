import type { Kysely, Selectable } from "kysely";
import { ConflictError } from "../../domain/errors.js";
import type {
  Group,
  GroupRepository,
  GroupRequest,
  Membership,
  RequestStatus,
} from "../../domain/groups/group.js";
import { prepareQuery } from "../prepared-query.js";
import type { Database, GroupMembersTable, GroupRequestsTable, GroupsTable } from "../schema.js";
import { isUniqueViolation } from "../unique-violation.js";

const toGroup = (r: Selectable<GroupsTable>): Group => ({
  id: r.id,
  name: r.name,
  parentId: r.parent_id,
  description: r.description,
  optional: r.optional === 1,
  createdAt: r.created_at,
});

const toMembership = (r: Selectable<GroupMembersTable>): Membership => ({
  groupId: r.group_id,
  accountId: r.account_id,
  manager: r.manager === 1,
  endsAt: r.ends_at,
  createdAt: r.created_at,
});

const toRequest = (r: Selectable<GroupRequestsTable>): GroupRequest => ({
  id: r.id,
  groupId: r.group_id,
  accountId: r.account_id,
  motivation: r.motivation,
  status: r.status as RequestStatus,
  decidedBy: r.decided_by,
  reason: r.reason,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
});

export function createGroupRepository(db: Kysely<Database>): GroupRepository {
  // Every token issue reads the account's live memberships.
  const selectMemberships = prepareQuery(db, (accountId: string, now: number) =>
    db
      .selectFrom("group_members as m")
      .innerJoin("groups as g", "g.id", "m.group_id")
      .selectAll("m")
      .select([
        "g.id as g_id",
        "g.name as g_name",
        "g.parent_id as g_parent_id",
        "g.description as g_description",
        "g.optional as g_optional",
        "g.created_at as g_created_at",
      ])
      .where("m.account_id", "=", accountId)
      .where((eb) => eb.or([eb("m.ends_at", "is", null), eb("m.ends_at", ">", now)]))
      .orderBy("g.name"),
  );
  return {
    async create(g) {
      try {
        await db
          .insertInto("groups")
          .values({
            id: g.id,
            name: g.name,
            parent_id: g.parentId,
            description: g.description,
            optional: g.optional ? 1 : 0,
            created_at: g.createdAt,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError("group name");
        throw error;
      }
    },
    async find(id) {
      const row = await db.selectFrom("groups").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toGroup(row);
    },
    async findByName(name) {
      const row = await db.selectFrom("groups").selectAll().where("name", "=", name).executeTakeFirst();
      return row && toGroup(row);
    },
    async list({ limit, after }) {
      let query = db.selectFrom("groups").selectAll().orderBy("name").limit(limit);
      if (after !== undefined) query = query.where("name", ">", after);
      return (await query.execute()).map(toGroup);
    },
    async hasChildren(id) {
      return (
        (await db.selectFrom("groups").select("id").where("parent_id", "=", id).executeTakeFirst()) !==
        undefined
      );
    },
    async update(g) {
      await db
        .updateTable("groups")
        .set({ description: g.description, optional: g.optional ? 1 : 0 })
        .where("id", "=", g.id)
        .execute();
    },
    async move(id, parentId, name) {
      try {
        await db.transaction().execute(async (trx) => {
          const old = await trx.selectFrom("groups").select("name").where("id", "=", id).executeTakeFirst();
          if (!old) return;
          // Descendants by name range rather than LIKE: '0' is the character after '/', and names
          // may hold '_', which LIKE would treat as a wildcard.
          const descendants = await trx
            .selectFrom("groups")
            .select(["id", "name"])
            .where("name", ">", `${old.name}/`)
            .where("name", "<", `${old.name}0`)
            .execute();
          await trx.updateTable("groups").set({ name, parent_id: parentId }).where("id", "=", id).execute();
          for (const d of descendants) {
            await trx
              .updateTable("groups")
              .set({ name: name + d.name.slice(old.name.length) })
              .where("id", "=", d.id)
              .execute();
          }
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError("group name");
        throw error;
      }
    },
    async delete(id) {
      await db.deleteFrom("groups").where("id", "=", id).execute();
    },
    async membershipsOf(accountId, now) {
      const { rows } = await selectMemberships(accountId, now);
      return rows.map((r) => ({
        membership: toMembership(r),
        group: toGroup({
          id: r.g_id,
          name: r.g_name,
          parent_id: r.g_parent_id,
          description: r.g_description,
          optional: r.g_optional,
          created_at: r.g_created_at,
        }),
      }));
    },
    async members(groupId, { limit, after }) {
      let query = db
        .selectFrom("group_members as m")
        .innerJoin("accounts as a", "a.id", "m.account_id")
        .selectAll("m")
        .select(["a.username", "a.name as display_name"])
        .where("m.group_id", "=", groupId)
        .orderBy("a.username")
        .limit(limit);
      if (after !== undefined) query = query.where("a.username", ">", after);
      return (await query.execute()).map((r) => ({
        ...toMembership(r),
        username: r.username,
        displayName: r.display_name,
      }));
    },
    async findMembership(groupId, accountId) {
      const row = await db
        .selectFrom("group_members")
        .selectAll()
        .where("group_id", "=", groupId)
        .where("account_id", "=", accountId)
        .executeTakeFirst();
      return row && toMembership(row);
    },
    async putMember(m) {
      const values = {
        group_id: m.groupId,
        account_id: m.accountId,
        manager: m.manager ? 1 : 0,
        ends_at: m.endsAt,
        created_at: m.createdAt,
      };
      await db
        .insertInto("group_members")
        .values(values)
        .onConflict((oc) =>
          oc
            .columns(["group_id", "account_id"])
            .doUpdateSet({ manager: values.manager, ends_at: values.ends_at }),
        )
        .execute();
    },
    async removeMember(groupId, accountId) {
      const result = await db
        .deleteFrom("group_members")
        .where("group_id", "=", groupId)
        .where("account_id", "=", accountId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async createRequest(r) {
      await db
        .insertInto("group_requests")
        .values({
          id: r.id,
          group_id: r.groupId,
          account_id: r.accountId,
          motivation: r.motivation,
          status: r.status,
          decided_by: r.decidedBy,
          reason: r.reason,
          created_at: r.createdAt,
          decided_at: r.decidedAt,
        })
        .execute();
    },
    async findRequest(id) {
      const row = await db.selectFrom("group_requests").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toRequest(row);
    },
    async listRequests({ groupId, accountId, status }) {
      let query = db
        .selectFrom("group_requests as r")
        .innerJoin("accounts as a", "a.id", "r.account_id")
        .selectAll("r")
        .select(["a.username", "a.name as display_name"])
        .orderBy("r.created_at")
        .orderBy("r.id");
      if (groupId !== undefined) query = query.where("r.group_id", "=", groupId);
      if (accountId !== undefined) query = query.where("r.account_id", "=", accountId);
      if (status !== undefined) query = query.where("r.status", "=", status);
      return (await query.limit(500).execute()).map((r) => ({
        ...toRequest(r),
        username: r.username,
        displayName: r.display_name,
      }));
    },
    async closeRequest(id, outcome) {
      const result = await db
        .updateTable("group_requests")
        .set({
          status: outcome.status,
          decided_by: outcome.decidedBy,
          reason: outcome.reason,
          decided_at: outcome.at,
        })
        .where("id", "=", id)
        .where("status", "=", "pending")
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
