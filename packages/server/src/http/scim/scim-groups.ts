import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AccountService } from "../../domain/accounts/account-service.js";
import type { AuditLog } from "../../domain/audit/audit-log.js";
import type { Clock } from "../../domain/clock.js";
import { ConflictError, NotFoundError } from "../../domain/errors.js";
import type { Group } from "../../domain/groups/group.js";
import type { GroupService } from "../../domain/groups/group-service.js";
import { invalidSyntax, invalidValue, mutability, ScimError } from "./scim-error.js";
import { attribute, type Filter, matches } from "./scim-filter.js";
import { iso, listResponse, project, readListQuery, sortResources, wanted, weakEtag } from "./scim-list.js";
import { applyPatch, readPatch } from "./scim-patch.js";
import { checkIfMatch, created, sendResource } from "./scim-reply.js";
import { GROUP, GROUP_SCHEMA, IGNORED_GROUP_ATTRIBUTES } from "./scim-schema.js";
import { checkSchemas } from "./scim-user-resource.js";

/**
 * /Groups (RFC 7643 §4.2): a group's displayName is its full path (`/cms/uscms`), fixed at
 * creation (the parent must exist); members are users, managed by PUT (the full list) or PATCH
 * (add/remove). Memberships past their end date are not shown and count as absent.
 */
export interface ScimGroupsDeps {
  accounts: AccountService;
  groups: GroupService;
  audit: AuditLog;
  clock: Clock;
  base: string;
  actor: (request: FastifyRequest) => string | null;
}

type Member = { accountId: string; username: string };
type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function groupResource(group: Group, members: Member[] | null, base: string): Record<string, unknown> {
  const resource: Record<string, unknown> = {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    displayName: group.name,
    ...(members === null
      ? {}
      : {
          members: members.map((m) => ({
            value: m.accountId,
            display: m.username,
            $ref: `${base}/Users/${m.accountId}`,
            type: "User",
          })),
        }),
  };
  resource.meta = {
    resourceType: "Group",
    created: iso(group.createdAt),
    lastModified: iso(group.createdAt),
    location: `${base}/Groups/${group.id}`,
    // The version covers the members, so it is given only when they are.
    ...(members === null ? {} : { version: weakEtag(resource) }),
  };
  return resource;
}

/** Reads a Group body (POST, PUT, or a resource after PATCH): its displayName and member ids. */
function readGroup(body: unknown): { displayName?: string; members: string[] } {
  if (!isObject(body)) throw invalidSyntax("the request body must be a JSON object");
  let displayName: string | undefined;
  const members = new Set<string>();
  for (const [key, value] of Object.entries(body)) {
    const lower = key.toLowerCase();
    if (["schemas", "id", "meta"].includes(lower) || IGNORED_GROUP_ATTRIBUTES.has(lower)) continue;
    if (lower === "displayname") {
      if (typeof value !== "string") throw invalidValue("displayName must be a string");
      displayName = value;
    } else if (lower === "members") {
      if (value === null) continue;
      if (!Array.isArray(value)) throw invalidValue("members must be a list");
      for (const member of value) {
        const id = isObject(member) ? attribute(member, "value") : undefined;
        if (typeof id !== "string" || id.length === 0 || id.length > 64)
          throw invalidValue("each member needs a value: the user's id");
        const type = attribute(member as Record<string, unknown>, "type");
        if (type !== undefined && (typeof type !== "string" || type.toLowerCase() !== "user"))
          throw invalidValue("only users can be members of a group");
        members.add(id);
      }
    } else {
      throw invalidSyntax(`unknown attribute: ${key}`);
    }
  }
  return { ...(displayName === undefined ? {} : { displayName }), members: [...members] };
}

export function scimGroups(app: FastifyInstance, deps: ScimGroupsDeps): void {
  const { accounts, groups, clock, base } = deps;

  async function findGroup(id: string): Promise<Group | undefined> {
    try {
      return await groups.find(id);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async function load(id: string): Promise<Group> {
    const group = await findGroup(id);
    if (!group) throw new ScimError(404, null, `no group with id ${id}`);
    return group;
  }

  async function members(groupId: string): Promise<Member[]> {
    const live: Member[] = [];
    const now = clock.now();
    let after: string | undefined;
    for (;;) {
      const batch = await groups.members(groupId, { limit: 500, ...(after === undefined ? {} : { after }) });
      for (const m of batch) if (m.endsAt === null || m.endsAt > now) live.push(m);
      if (batch.length < 500) return live;
      after = batch[batch.length - 1]?.username;
    }
  }

  async function resource(group: Group, withMembers = true) {
    return groupResource(group, withMembers ? await members(group.id) : null, base);
  }

  async function direct(filter: Filter | null): Promise<Group[] | undefined> {
    if (filter === null) return undefined;
    if (filter.kind === "and") return (await direct(filter.left)) ?? direct(filter.right);
    if (filter.kind !== "compare" || filter.op !== "eq" || typeof filter.value !== "string") return undefined;
    const name = filter.path.name.toLowerCase();
    if (filter.path.sub !== null || (name !== "displayname" && name !== "id")) return undefined;
    const found = name === "id" ? await findGroup(filter.value) : await groups.findByName(filter.value);
    return found ? [found] : [];
  }

  async function* every(): AsyncGenerator<Group> {
    let after: string | undefined;
    for (;;) {
      const batch = await groups.list({ limit: 500, ...(after === undefined ? {} : { after }) });
      yield* batch;
      if (batch.length < 500) return;
      after = batch[batch.length - 1]?.name;
    }
  }

  async function record(request: FastifyRequest, event: string, username: string | null, group: Group) {
    await deps.audit.record({
      accountId: deps.actor(request),
      username,
      event,
      method: "scim",
      result: "ok",
      reason: `group ${group.name}`,
      ip: request.ip,
      userAgent: (request.headers["user-agent"] ?? "").slice(0, 512),
    });
  }

  /** Every id must be a user: checked before anything changes. */
  async function users(ids: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const id of ids) {
      const account = await accounts.findById(id);
      if (!account) throw invalidValue(`no user with id ${id}`);
      found.set(id, account.username);
    }
    return found;
  }

  /** Makes the live members exactly `wanted`: adds the missing ones, removes the others. */
  async function setMembers(request: FastifyRequest, group: Group, current: Member[], ids: string[]) {
    const have = new Set(current.map((m) => m.accountId));
    const added = await users(ids.filter((id) => !have.has(id)));
    const keep = new Set(ids);
    for (const [accountId, username] of added) {
      await groups.putMember(null, group.id, accountId, { endsAt: null });
      await record(request, "scim.group.member_added", username, group);
    }
    for (const m of current.filter((m) => !keep.has(m.accountId))) {
      await groups.removeMember(null, group.id, m.accountId);
      await record(request, "scim.group.member_removed", m.username, group);
    }
  }

  app.get("/Groups", async (request, reply) => {
    const query = readListQuery(request.query as Record<string, unknown>, GROUP);
    const filterMembers =
      query.filter !== null && JSON.stringify(query.filter).toLowerCase().includes('"members"');
    const found: { group: Group; resource: Record<string, unknown> }[] = [];
    const candidates = await direct(query.filter);
    for await (const group of candidates ? candidates.values() : every()) {
      const r = await resource(group, filterMembers);
      if (query.filter === null || matches(query.filter, r, GROUP.caseExact))
        found.push({ group, resource: r });
    }
    const order = new Map(found.map((f) => [f.resource, f.group]));
    const sorted = sortResources(
      found.map((f) => f.resource),
      query,
    );
    const slice = sorted.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
    const page = await Promise.all(
      slice.map(async (r) => project(await resource(order.get(r) as Group, wanted(query, "members")), query)),
    );
    return sendResource(reply, 200, listResponse(sorted.length, query.startIndex, page));
  });

  app.get("/Groups/:id", async (request: IdRequest, reply) => {
    const query = readListQuery({ ...(request.query as Record<string, unknown>), filter: undefined }, GROUP);
    const r = await resource(await load(request.params.id), wanted(query, "members"));
    return sendResource(reply, 200, project(r, query));
  });

  app.post("/Groups", { bodyLimit: 1024 * 1024 }, async (request, reply) => {
    if (!isObject(request.body)) throw invalidSyntax("the request body must be a JSON object");
    checkSchemas(request.body, GROUP_SCHEMA);
    const input = readGroup(request.body);
    if (!input.displayName) throw invalidValue("displayName (the group's full path) is required");
    await users(input.members);
    const group = await groups.create({ name: input.displayName });
    await record(request, "scim.group.created", null, group);
    await setMembers(request, group, [], input.members);
    return created(reply, await resource(group));
  });

  app.put("/Groups/:id", { bodyLimit: 1024 * 1024 }, async (request: IdRequest, reply) => {
    const group = await load(request.params.id);
    const current = await members(group.id);
    checkIfMatch(request, groupResource(group, current, base));
    if (!isObject(request.body)) throw invalidSyntax("the request body must be a JSON object");
    checkSchemas(request.body, GROUP_SCHEMA);
    const input = readGroup(request.body);
    if (input.displayName !== undefined && input.displayName !== group.name)
      throw mutability("a group's displayName (its path) cannot be changed");
    await setMembers(request, group, current, input.members);
    return sendResource(reply, 200, await resource(group));
  });

  app.patch("/Groups/:id", { bodyLimit: 1024 * 1024 }, async (request: IdRequest, reply) => {
    const operations = readPatch(request.body);
    const group = await load(request.params.id);
    const current = await members(group.id);
    const before = groupResource(group, current, base);
    checkIfMatch(request, before);
    const { meta: _meta, ...editable } = before;
    const input = readGroup(applyPatch(editable, operations, GROUP, IGNORED_GROUP_ATTRIBUTES));
    if (input.displayName !== group.name)
      throw mutability("a group's displayName (its path) cannot be changed");
    await setMembers(request, group, current, input.members);
    // RFC 7644 §3.5.2: 204 is allowed, but returning the resource spares clients a GET.
    return sendResource(reply, 200, await resource(group));
  });

  app.delete("/Groups/:id", async (request: IdRequest, reply: FastifyReply) => {
    const group = await load(request.params.id);
    checkIfMatch(request, await resource(group));
    try {
      await groups.delete(group.id);
    } catch (error) {
      if (error instanceof ConflictError)
        throw new ScimError(409, null, "the group has subgroups: delete them first");
      throw error;
    }
    await record(request, "scim.group.deleted", null, group);
    return reply.code(204).send();
  });
}
