import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Account } from "../../domain/accounts/account.js";
import type { AccountService } from "../../domain/accounts/account-service.js";
import type { AccountNames, Group, GroupRequest, Membership } from "../../domain/groups/group.js";
import type { GroupService } from "../../domain/groups/group-service.js";
import { HttpError } from "../errors.js";
import type { ApiCallers } from "./api-caller.js";
import { IdParams, PageQuery, page } from "./api-schemas.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const groupJson = (g: Group) => ({
  id: g.id,
  name: g.name,
  parent_id: g.parentId,
  description: g.description,
  optional: g.optional,
  created_at: iso(g.createdAt),
});
const namesJson = (n: Partial<AccountNames>) => ({
  ...(n.username === undefined ? {} : { username: n.username }),
  ...(n.displayName === undefined ? {} : { display_name: n.displayName }),
});
const membershipJson = (m: Membership & Partial<AccountNames>) => ({
  group_id: m.groupId,
  account_id: m.accountId,
  ...namesJson(m),
  manager: m.manager,
  ends_at: iso(m.endsAt),
  created_at: iso(m.createdAt),
});
const requestJson = (r: GroupRequest & Partial<AccountNames>) => ({
  id: r.id,
  group_id: r.groupId,
  account_id: r.accountId,
  ...namesJson(r),
  motivation: r.motivation,
  status: r.status,
  decided_by: r.decidedBy,
  reason: r.reason,
  created_at: iso(r.createdAt),
  decided_at: iso(r.decidedAt),
});

const NewGroup = Type.Object(
  {
    name: Type.String({ minLength: 2, maxLength: 512, description: "full path, e.g. /cms/uscms" }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    optional: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const GroupChanges = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    optional: Type.Optional(Type.Boolean()),
    parent_id: Type.Optional(
      Type.Union([Type.Null(), Type.String({ minLength: 1, maxLength: 64 })], {
        description:
          "moves the group under this parent (null: to the top); the group and its subgroups are renamed",
      }),
    ),
  },
  { additionalProperties: false },
);
const MemberParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  accountId: Type.String({ maxLength: 64 }),
});
const MemberBody = Type.Object(
  {
    manager: Type.Optional(Type.Boolean()),
    ends_at: Type.Optional(Type.Union([Type.Null(), Type.String({ format: "date-time" })])),
  },
  { additionalProperties: false },
);
const NewMemberBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    manager: Type.Optional(Type.Boolean()),
    ends_at: Type.Optional(Type.Union([Type.Null(), Type.String({ format: "date-time" })])),
  },
  { additionalProperties: false },
);
const RequestsQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([
        Type.Literal("pending"),
        Type.Literal("approved"),
        Type.Literal("rejected"),
        Type.Literal("withdrawn"),
      ]),
    ),
  },
  { additionalProperties: false },
);
const NewRequest = Type.Object(
  { group_id: Type.String({ maxLength: 64 }), motivation: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);
const Decision = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

/** Groups, memberships and membership requests; administrators manage all, managers their groups. */
export function groupsApi(
  app: FastifyInstance,
  deps: { callers: ApiCallers; groups: GroupService; accounts: AccountService },
): void {
  const { callers, groups } = deps;
  const tags = ["groups"];

  /** The account acting (null for the bootstrap token, which may do everything). */
  async function actor(request: FastifyRequest): Promise<Account | null> {
    const caller = await callers.identify(request);
    if (caller.via === "bootstrap") return null;
    if (!caller.account) throw new HttpError(403, "forbidden", "a client's own token acts for no account");
    return caller.account;
  }
  async function self(request: FastifyRequest): Promise<Account> {
    const account = await actor(request);
    if (!account) throw new HttpError(400, "no_account", "the bootstrap token has no account of its own");
    return account;
  }
  async function manager(request: FastifyRequest, groupId: string): Promise<Account | null> {
    const account = await actor(request);
    if (account) await groups.assertManages(account, groupId);
    return account;
  }

  app.get<{ Querystring: PageQuery }>(
    "/groups",
    { schema: { tags, querystring: PageQuery } },
    async (request) => {
      await callers.identify(request);
      const limit = request.query.limit ?? 50;
      const items = await groups.list({
        limit,
        ...(request.query.after ? { after: request.query.after } : {}),
      });
      const listed = page(items, limit, (g) => g.name);
      return { ...listed, items: listed.items.map(groupJson) };
    },
  );

  app.post<{ Body: Static<typeof NewGroup> }>(
    "/groups",
    { schema: { tags, body: NewGroup } },
    async (request, reply) => {
      // Administrators create any group; a manager creates subgroups of a group they manage (IAM #1052).
      const account = await actor(request);
      const parentName = request.body.name.slice(0, request.body.name.lastIndexOf("/"));
      const parent = parentName ? await groups.findByName(parentName) : undefined;
      if (account && !account.isAdmin && parent) await groups.assertManages(account, parent.id);
      else if (account) await callers.administrator(request);
      return reply.code(201).send(groupJson(await groups.create(request.body)));
    },
  );

  app.get<{ Params: IdParams }>("/groups/:id", { schema: { tags, params: IdParams } }, async (request) => {
    await callers.identify(request);
    return groupJson(await groups.find(request.params.id));
  });

  app.patch<{ Params: IdParams; Body: Static<typeof GroupChanges> }>(
    "/groups/:id",
    { schema: { tags, params: IdParams, body: GroupChanges } },
    async (request) => {
      await callers.administrator(request);
      const { parent_id, ...changes } = request.body;
      if (parent_id !== undefined) await groups.move(request.params.id, parent_id);
      return groupJson(await groups.update(request.params.id, changes));
    },
  );

  app.delete<{ Params: IdParams }>(
    "/groups/:id",
    { schema: { tags, params: IdParams } },
    async (request, reply) => {
      await callers.administrator(request);
      await groups.delete(request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: IdParams; Querystring: PageQuery }>(
    "/groups/:id/members",
    { schema: { tags, params: IdParams, querystring: PageQuery } },
    async (request) => {
      await manager(request, request.params.id);
      const limit = request.query.limit ?? 50;
      const items = await groups.members(request.params.id, {
        limit,
        ...(request.query.after ? { after: request.query.after } : {}),
      });
      const listed = page(items, limit, (m) => m.username);
      return { ...listed, items: listed.items.map(membershipJson) };
    },
  );

  app.put<{ Params: Static<typeof MemberParams>; Body: Static<typeof MemberBody> }>(
    "/groups/:id/members/:accountId",
    { schema: { tags, params: MemberParams, body: MemberBody } },
    async (request) => {
      const account = await actor(request);
      // Checked here so that an unknown account is a 404, not a foreign-key failure in the store.
      await groups.find(request.params.id);
      if (account) await groups.assertManages(account, request.params.id);
      if (!(await deps.accounts.findById(request.params.accountId)))
        throw new HttpError(404, "not_found", "no such account");
      const endsAt = request.body.ends_at;
      const membership = await groups.putMember(account, request.params.id, request.params.accountId, {
        ...(request.body.manager === undefined ? {} : { manager: request.body.manager }),
        ...(endsAt === undefined ? {} : { endsAt: endsAt === null ? null : Date.parse(endsAt) }),
      });
      return membershipJson(membership);
    },
  );

  // By username: a group's managers add people without the administrators' account search.
  app.post<{ Params: IdParams; Body: Static<typeof NewMemberBody> }>(
    "/groups/:id/members",
    {
      schema: {
        tags,
        summary: "Add a member by username (administrators and the group's managers)",
        params: IdParams,
        body: NewMemberBody,
      },
    },
    async (request, reply) => {
      const account = await actor(request);
      await groups.find(request.params.id);
      if (account) await groups.assertManages(account, request.params.id);
      const member = await deps.accounts.findByUsername(request.body.username.trim().toLowerCase());
      if (!member)
        throw new HttpError(
          404,
          "not_found",
          `there is no account with the username ${request.body.username.trim().toLowerCase()}`,
        );
      const endsAt = request.body.ends_at;
      const membership = await groups.putMember(account, request.params.id, member.id, {
        ...(request.body.manager === undefined ? {} : { manager: request.body.manager }),
        ...(endsAt === undefined ? {} : { endsAt: endsAt === null ? null : Date.parse(endsAt) }),
      });
      return reply
        .code(201)
        .send(membershipJson({ ...membership, username: member.username, displayName: member.name }));
    },
  );

  app.delete<{ Params: Static<typeof MemberParams> }>(
    "/groups/:id/members/:accountId",
    { schema: { tags, params: MemberParams } },
    async (request, reply) => {
      await groups.removeMember(await actor(request), request.params.id, request.params.accountId);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: IdParams; Querystring: Static<typeof RequestsQuery> }>(
    "/groups/:id/requests",
    { schema: { tags, params: IdParams, querystring: RequestsQuery } },
    async (request) => {
      await manager(request, request.params.id);
      const items = await groups.listRequests({
        groupId: request.params.id,
        ...(request.query.status ? { status: request.query.status } : {}),
      });
      return { items: items.map(requestJson) };
    },
  );

  for (const [verb, approve] of [
    ["approve", true],
    ["reject", false],
  ] as const) {
    app.post<{ Params: IdParams; Body: Static<typeof Decision> | undefined }>(
      `/group-requests/:id/${verb}`,
      { schema: { tags, params: IdParams, body: Type.Optional(Decision) } },
      async (request) => {
        const decided = await groups.decide(
          await self(request),
          request.params.id,
          approve,
          request.body?.reason ?? null,
        );
        return requestJson(decided);
      },
    );
  }

  app.get<{ Params: IdParams }>(
    "/accounts/:id/groups",
    { schema: { tags, summary: "An account's memberships in force (administrators)", params: IdParams } },
    async (request) => {
      await callers.administrator(request);
      if (!(await deps.accounts.findById(request.params.id)))
        throw new HttpError(404, "not_found", "no such account");
      const items = await groups.membershipsOf(request.params.id);
      return {
        items: items.map(({ group, membership }) => ({
          group: groupJson(group),
          ...membershipJson(membership),
        })),
      };
    },
  );

  app.get("/me/groups", { schema: { tags } }, async (request) => {
    const account = await self(request);
    const items = await groups.membershipsOf(account.id);
    return {
      items: items.map(({ group, membership }) => ({
        group: groupJson(group),
        ...membershipJson(membership),
      })),
    };
  });

  app.get("/me/group-requests", { schema: { tags } }, async (request) => {
    const account = await self(request);
    return { items: (await groups.listRequests({ accountId: account.id })).map(requestJson) };
  });

  app.post<{ Body: Static<typeof NewRequest> }>(
    "/me/group-requests",
    { schema: { tags, body: NewRequest } },
    async (request, reply) => {
      const account = await self(request);
      const created = await groups.request(account, request.body.group_id, request.body.motivation);
      return reply.code(201).send(requestJson(created));
    },
  );

  app.delete<{ Params: IdParams }>(
    "/me/group-requests/:id",
    { schema: { tags, params: IdParams } },
    async (request, reply) => {
      await groups.withdraw(await self(request), request.params.id);
      return reply.code(204).send();
    },
  );
}
