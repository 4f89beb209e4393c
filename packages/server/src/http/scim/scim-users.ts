import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type Account, isAccountUsable } from "../../domain/accounts/account.js";
import type { AccountService } from "../../domain/accounts/account-service.js";
import type { AuditLog } from "../../domain/audit/audit-log.js";
import type { Clock } from "../../domain/clock.js";
import type { GroupService } from "../../domain/groups/group-service.js";
import { invalidSyntax, mutability, ScimError } from "./scim-error.js";
import { attribute, type Filter, matches } from "./scim-filter.js";
import { listResponse, project, readListQuery, sortResources, wanted } from "./scim-list.js";
import { applyPatch, readPatch } from "./scim-patch.js";
import { checkIfMatch, created, type ScimReply, sendResource } from "./scim-reply.js";
import { IGNORED_USER_ATTRIBUTES, USER, USER_SCHEMA } from "./scim-schema.js";
import { checkSchemas, readUser, type UserFields, userResource } from "./scim-user-resource.js";

export interface ScimUsersDeps {
  accounts: AccountService;
  groups: GroupService;
  audit: AuditLog;
  clock: Clock;
  base: string;
  /** The acting administrator's account id (null for the bootstrap token). */
  actor: (request: FastifyRequest) => string | null;
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** /Users: list with filter, get, create, replace, patch, delete (RFC 7644 §3). */
export function scimUsers(app: FastifyInstance, deps: ScimUsersDeps): void {
  const { accounts, groups, clock, base } = deps;

  async function load(id: string): Promise<Account> {
    const found = await accounts.findById(id);
    if (!found) throw new ScimError(404, null, `no user with id ${id}`);
    const { passwordHash: _secret, ...account } = found;
    return account;
  }

  async function resource(account: Account, withGroups = true) {
    const memberships = withGroups ? await groups.membershipsOf(account.id) : [];
    return userResource(
      account,
      memberships.map((m) => m.group),
      base,
      clock.now(),
    );
  }

  /** The accounts a filter can name directly (`userName eq`, `id eq` at the top), else undefined. */
  async function direct(filter: Filter | null): Promise<Account[] | undefined> {
    if (filter === null) return undefined;
    if (filter.kind === "and") return (await direct(filter.left)) ?? direct(filter.right);
    if (filter.kind !== "compare" || filter.op !== "eq" || typeof filter.value !== "string") return undefined;
    if (filter.path.sub !== null) return undefined;
    const name = filter.path.name.toLowerCase();
    if (name !== "username" && name !== "id") return undefined;
    const found =
      name === "id"
        ? await accounts.findById(filter.value)
        : await accounts.findByUsername(filter.value.toLowerCase());
    if (!found) return [];
    const { passwordHash: _secret, ...account } = found;
    return [account];
  }

  async function* everyone(): AsyncGenerator<Account> {
    let after: string | undefined;
    for (;;) {
      const batch = await accounts.list({ limit: 500, ...(after === undefined ? {} : { after }) });
      yield* batch;
      if (batch.length < 500) return;
      after = batch[batch.length - 1]?.username;
    }
  }

  /** Audited as the REST API does: the acting administrator, the user acted on, what changed. */
  async function record(
    request: FastifyRequest,
    account: Account,
    event: string,
    reason: string | null = null,
  ) {
    await deps.audit.record({
      accountId: deps.actor(request),
      username: account.username,
      event,
      method: "scim",
      result: "ok",
      reason,
      ip: request.ip,
      userAgent: (request.headers["user-agent"] ?? "").slice(0, 512),
    });
  }

  /** Stores what a PUT or PATCH asserts; `active: false` suspends, which ends sessions and refresh tokens. */
  async function store(request: FastifyRequest, account: Account, fields: UserFields): Promise<void> {
    if (fields.userName !== undefined && fields.userName !== account.username)
      throw mutability("userName cannot be changed");
    const changes = {
      ...(fields.name !== undefined && fields.name !== account.name ? { name: fields.name } : {}),
      ...(fields.email !== undefined && fields.email !== account.email ? { email: fields.email } : {}),
    };
    if (Object.keys(changes).length > 0) await accounts.update(account.id, changes);
    if (fields.password !== undefined) await accounts.setPassword(account.id, fields.password);
    const now = clock.now();
    if (fields.active !== undefined && fields.active !== isAccountUsable(account, now)) {
      if (!fields.active) {
        await accounts.setStatus(account.id, "suspended");
        await record(request, account, "scim.user.deactivate");
      } else {
        if (account.status !== "active") await accounts.setStatus(account.id, "active");
        if (account.endsAt != null && account.endsAt <= now)
          await accounts.update(account.id, { endsAt: null });
        await record(request, account, "scim.user.activate");
      }
    }
    if (Object.keys(changes).length > 0 || fields.password !== undefined)
      await record(
        request,
        account,
        "scim.user.update",
        Object.keys(changes)
          .concat(fields.password === undefined ? [] : ["password"])
          .join(" "),
      );
  }

  app.get("/Users", async (request, reply) => {
    const query = readListQuery(request.query as Record<string, unknown>, USER);
    const filterGroups =
      query.filter !== null && JSON.stringify(query.filter).toLowerCase().includes('"groups"');
    const found: Record<string, unknown>[] = [];
    const candidates = await direct(query.filter);
    const source = candidates ? candidates.values() : everyone();
    for await (const account of source) {
      const r = await resource(account, filterGroups);
      if (query.filter === null || matches(query.filter, r, USER.caseExact))
        found.push({ ...r, _account: account });
    }
    const sorted = sortResources(found, query);
    const slice = sorted.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
    const page = await Promise.all(
      slice.map(async (r) => project(await resource(r._account as Account, wanted(query, "groups")), query)),
    );
    return sendResource(reply, 200, listResponse(sorted.length, query.startIndex, page));
  });

  app.get("/Users/:id", async (request: IdRequest, reply) => {
    const query = readListQuery({ ...(request.query as Record<string, unknown>), filter: undefined }, USER);
    const r = await resource(await load(request.params.id), wanted(query, "groups"));
    return sendResource(reply, 200, project(r, query));
  });

  app.post("/Users", async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    if (typeof body !== "object" || body === null)
      throw invalidSyntax("the request body must be a JSON object");
    checkSchemas(body, USER_SCHEMA);
    const fields = readUser(body);
    if (fields.userName === undefined) throw new ScimError(400, "invalidValue", "userName is required");
    const account = await accounts.create({
      username: fields.userName,
      name: fields.name ?? fields.userName,
      email: fields.email ?? "",
      password: fields.password,
      status: fields.active === false ? "suspended" : "active",
    });
    await record(request, account, "scim.user.create");
    return created(reply, await resource(account));
  });

  app.put("/Users/:id", async (request: IdRequest, reply: ScimReply) => {
    const account = await load(request.params.id);
    checkIfMatch(request, await resource(account));
    const body = request.body as Record<string, unknown>;
    if (typeof body !== "object" || body === null)
      throw invalidSyntax("the request body must be a JSON object");
    checkSchemas(body, USER_SCHEMA);
    const fields = readUser(body);
    if (fields.userName === undefined) throw new ScimError(400, "invalidValue", "userName is required");
    await store(request, account, fields);
    return sendResource(reply, 200, await resource(await load(account.id)));
  });

  app.patch("/Users/:id", async (request: IdRequest, reply: ScimReply) => {
    const operations = readPatch(request.body);
    const account = await load(request.params.id);
    const current = await resource(account);
    checkIfMatch(request, current);
    const { meta: _meta, groups: _groups, ...editable } = current;
    const patched = applyPatch(editable, operations, USER, IGNORED_USER_ATTRIBUTES);
    const fields = readUser(patched, account.name);
    // An attribute the patch removed is cleared (the one kept email, here).
    if (attribute(patched, "emails") === undefined) fields.email = "";
    await store(request, account, fields);
    return sendResource(reply, 200, await resource(await load(account.id)));
  });

  app.delete("/Users/:id", async (request: IdRequest, reply: FastifyReply) => {
    const account = await load(request.params.id);
    checkIfMatch(request, await resource(account));
    await accounts.delete(account.id);
    await record(request, account, "scim.user.delete");
    return reply.code(204).send();
  });
}
