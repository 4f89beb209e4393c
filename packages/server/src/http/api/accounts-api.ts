import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { type Account, effectiveStatus } from "../../domain/accounts/account.js";
import type { AccountService } from "../../domain/accounts/account-service.js";
import type { AuditLog, AuditRecord } from "../../domain/audit/audit-log.js";
import type { Clock } from "../../domain/clock.js";
import { ConflictError } from "../../domain/errors.js";
import { HttpError } from "../errors.js";
import type { ApiCaller, ApiCallers } from "./api-caller.js";
import { IdParams, page } from "./api-schemas.js";

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

export function accountJson(account: Account, now: number) {
  return {
    id: account.id,
    username: account.username,
    name: account.name,
    email: account.email,
    status: effectiveStatus(account, now),
    is_admin: account.isAdmin,
    ends_at: iso(account.endsAt),
    created_at: iso(account.createdAt),
    updated_at: iso(account.updatedAt),
  };
}

export function auditJson(e: AuditRecord) {
  return {
    id: e.id,
    at: iso(e.at),
    account_id: e.accountId,
    username: e.username,
    event: e.event,
    method: e.method,
    result: e.result,
    reason: e.reason,
    ip: e.ip,
    user_agent: e.userAgent,
  };
}

const NewAccount = Type.Object(
  {
    username: Type.String({ pattern: "^[a-z0-9][a-z0-9._-]{1,63}$" }),
    name: Type.String({ minLength: 1, maxLength: 256 }),
    email: Type.String({ pattern: "^[^@\\s]+@[^@\\s]+$", maxLength: 320 }),
    password: Type.Optional(Type.String({ minLength: 12, maxLength: 1024 })),
    is_admin: Type.Optional(Type.Boolean()),
    status: Type.Optional(
      Type.Union([Type.Literal("active"), Type.Literal("pending"), Type.Literal("suspended")]),
    ),
    ends_at: Type.Optional(Type.Union([Type.Null(), Type.String({ format: "date-time" })])),
  },
  { additionalProperties: false },
);
const AccountChangesBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    email: Type.Optional(Type.String({ pattern: "^[^@\\s]+@[^@\\s]+$", maxLength: 320 })),
    is_admin: Type.Optional(Type.Boolean()),
    status: Type.Optional(
      Type.Union([Type.Literal("active"), Type.Literal("pending"), Type.Literal("suspended")]),
    ),
    ends_at: Type.Optional(Type.Union([Type.Null(), Type.String({ format: "date-time" })])),
  },
  { additionalProperties: false },
);
const AuditPage = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);

const AccountsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    after: Type.Optional(Type.String({ maxLength: 256 })),
    q: Type.Optional(
      Type.String({
        maxLength: 256,
        description: "only accounts whose username, name or email contain this",
      }),
    ),
  },
  { additionalProperties: false },
);

const endsAt = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null ? null : Date.parse(value);

/** Administrators manage accounts (the role is a per-account flag they grant); everyone reads their own history. */
export function accountsApi(
  app: FastifyInstance,
  deps: { callers: ApiCallers; accounts: AccountService; audit: AuditLog; clock: Clock },
): void {
  const { callers, accounts, clock } = deps;
  const tags = ["accounts"];
  const found = async (id: string) => {
    const account = await accounts.findById(id);
    if (!account) throw new HttpError(404, "not_found", "no such account");
    return account;
  };
  const actor = (caller: ApiCaller) => caller.account?.id ?? null;
  const record = (caller: ApiCaller, event: string, target: Account, reason: string) =>
    deps.audit.record({
      accountId: actor(caller),
      username: target.username,
      event,
      method: "api",
      result: "ok",
      reason,
      ip: null,
      userAgent: null,
    });

  app.get<{ Querystring: Static<typeof AccountsQuery> }>(
    "/accounts",
    { schema: { tags, querystring: AccountsQuery } },
    async (request) => {
      await callers.administrator(request);
      const limit = request.query.limit ?? 50;
      const items = await accounts.list({
        limit,
        ...(request.query.after ? { after: request.query.after } : {}),
        ...(request.query.q ? { search: request.query.q } : {}),
      });
      const listed = page(items, limit, (a) => a.username);
      return { ...listed, items: listed.items.map((a) => accountJson(a, clock.now())) };
    },
  );

  app.post<{ Body: Static<typeof NewAccount> }>(
    "/accounts",
    { schema: { tags, body: NewAccount } },
    async (request, reply) => {
      const caller = await callers.administrator(request);
      const body = request.body;
      try {
        const account = await accounts.create({
          username: body.username,
          name: body.name,
          email: body.email,
          password: body.password,
          ...(body.status ? { status: body.status } : {}),
          ...(body.is_admin === undefined ? {} : { isAdmin: body.is_admin }),
        });
        const end = endsAt(body.ends_at);
        if (end !== undefined) await accounts.update(account.id, { endsAt: end });
        await record(caller, "account.created", account, `status ${account.status}`);
        return reply.code(201).send(accountJson(await found(account.id), clock.now()));
      } catch (error) {
        if (error instanceof ConflictError) throw new HttpError(409, "conflict", "that username is taken");
        throw error;
      }
    },
  );

  app.get<{ Params: IdParams }>("/accounts/:id", { schema: { tags, params: IdParams } }, async (request) => {
    await callers.administrator(request);
    return accountJson(await found(request.params.id), clock.now());
  });

  app.patch<{ Params: IdParams; Body: Static<typeof AccountChangesBody> }>(
    "/accounts/:id",
    { schema: { tags, params: IdParams, body: AccountChangesBody } },
    async (request) => {
      const caller = await callers.administrator(request);
      const account = await found(request.params.id);
      const body = request.body;
      if (body.is_admin === false && caller.account?.id === account.id) {
        throw new HttpError(409, "conflict", "administrators cannot remove their own role");
      }
      const end = endsAt(body.ends_at);
      await accounts.update(account.id, {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.email === undefined ? {} : { email: body.email }),
        ...(body.is_admin === undefined ? {} : { isAdmin: body.is_admin }),
        ...(end === undefined ? {} : { endsAt: end }),
      });
      if (body.status !== undefined && body.status !== account.status)
        await accounts.setStatus(account.id, body.status);
      const changed = Object.keys(body).sort().join(", ");
      await record(caller, "account.updated", account, changed ? `changed ${changed}` : "no change");
      return accountJson(await found(account.id), clock.now());
    },
  );

  app.get<{ Params: IdParams; Querystring: Static<typeof AuditPage> }>(
    "/accounts/:id/audit",
    { schema: { tags, params: IdParams, querystring: AuditPage } },
    async (request) => {
      await callers.administrator(request);
      return history(request.params.id, request.query);
    },
  );

  app.get<{ Querystring: Static<typeof AuditPage> }>(
    "/me/audit",
    { schema: { tags, querystring: AuditPage } },
    async (request) => {
      const caller = await callers.identify(request);
      if (!caller.account) throw new HttpError(400, "no_account", "this caller has no account");
      return history(caller.account.id, request.query);
    },
  );

  async function history(accountId: string, query: Static<typeof AuditPage>) {
    const limit = query.limit ?? 100;
    const events = await deps.audit.list({
      accountId,
      limit,
      ...(query.before ? { before: query.before } : {}),
    });
    const last = events[events.length - 1];
    return { items: events.map(auditJson), ...(events.length === limit && last ? { next: last.id } : {}) };
  }
}
