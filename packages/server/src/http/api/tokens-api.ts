import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AccountService } from "../../domain/accounts/account-service.js";
import type { TokenService } from "../../domain/tokens/token-service.js";
import type { UserScopes } from "../../domain/tokens/user-scopes.js";
import {
  HISTORY_ACTIONS,
  TOKEN_KINDS,
  type TokenHistoryEntry,
  type UserToken,
} from "../../domain/tokens/user-token.js";
import { HttpError } from "../errors.js";
import type { ApiCaller, ApiCallers } from "./api-caller.js";
import { page } from "./api-schemas.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const tokenJson = (t: UserToken) => ({
  key: t.key,
  kind: t.kind,
  name: t.name,
  account_id: t.accountId,
  scopes: t.scopes,
  service: t.service,
  parent_key: t.parentKey,
  created_by: t.createdBy,
  created_at: iso(t.createdAt),
  last_used_at: iso(t.lastUsedAt),
  expires_at: iso(t.expiresAt),
});

const valuesJson = (v: TokenHistoryEntry["oldValues"]) =>
  v && {
    ...v,
    ...(v.expiresAt === undefined ? {} : { expiresAt: iso(v.expiresAt) }),
  };
const historyJson = (h: TokenHistoryEntry) => ({
  id: h.id,
  token_key: h.tokenKey,
  account_id: h.accountId,
  kind: h.kind,
  action: h.action,
  actor: h.actor,
  old_values: valuesJson(h.oldValues),
  new_values: valuesJson(h.newValues),
  ip: h.ip,
  at: iso(h.at),
});

const Expiry = Type.Union([Type.Null(), Type.String({ maxLength: 64 })], {
  description: "RFC 3339 time at least 5 minutes ahead; null or absent: no expiry",
});
const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    scopes: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 50 }),
    expires: Type.Optional(Expiry),
  },
  { additionalProperties: false },
);
type CreateBody = Static<typeof CreateBody>;
const ServiceTokenBody = Type.Object(
  {
    account_id: Type.String({ minLength: 1, maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 64 }),
    scopes: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 50 }),
    expires: Type.Optional(Expiry),
  },
  { additionalProperties: false },
);
type ServiceTokenBody = Static<typeof ServiceTokenBody>;
const EditBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    scopes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 50 }),
    ),
    expires: Type.Optional(Expiry),
  },
  { additionalProperties: false },
);
type EditBody = Static<typeof EditBody>;
const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 64 }) });
type KeyParams = Static<typeof KeyParams>;
const Kind = Type.Union(TOKEN_KINDS.map((k) => Type.Literal(k)));
const ListQuery = Type.Object(
  {
    account_id: Type.Optional(Type.String({ maxLength: 64 })),
    kind: Type.Optional(Kind),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    after: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;
const HistoryQuery = Type.Object(
  {
    account_id: Type.Optional(Type.String({ maxLength: 64 })),
    key: Type.Optional(Type.String({ maxLength: 64 })),
    action: Type.Optional(Type.Union(HISTORY_ACTIONS.map((a) => Type.Literal(a)))),
    kind: Type.Optional(Kind),
    since: Type.Optional(Type.String({ maxLength: 64 })),
    until: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    before: Type.Optional(Type.String({ pattern: "^[0-9]{1,15}$" })),
  },
  { additionalProperties: false },
);
type HistoryQuery = Static<typeof HistoryQuery>;

function time(value: string | null | undefined, field: string): number | null | undefined {
  if (value === undefined || value === null) return value;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(value))
    throw new HttpError(400, "invalid_request", `${field} must be an RFC 3339 time`);
  return ms;
}

/**
 * Tessera tokens over REST: people manage their own (`/me/tokens`, `/me/token-history`);
 * administrators create service tokens for bot accounts and list, read and revoke anyone's
 * (`/tokens`, `/token-history`). Every change lands in the token history.
 */
export function tokensApi(
  app: FastifyInstance,
  deps: { callers: ApiCallers; tokens: TokenService; userScopes: UserScopes; accounts: AccountService },
): void {
  const { callers, tokens } = deps;
  const tags = ["tokens"];
  const actorOf = (caller: ApiCaller) => caller.account?.id ?? "bootstrap";
  const self = async (request: FastifyRequest) => {
    const caller = await callers.identify(request);
    if (!caller.account) throw new HttpError(403, "forbidden", "this call is about the caller's own account");
    return { caller, account: caller.account };
  };
  const own = async (request: FastifyRequest, key: string) => {
    const { caller, account } = await self(request);
    const token = await tokens.find(key).catch(() => undefined);
    if (!token || token.accountId !== account.id) throw new HttpError(404, "not_found", "token not found");
    return { caller, account, token };
  };

  app.get("/me/tokens", { schema: { tags, summary: "List my tokens" } }, async (request) => {
    const { account } = await self(request);
    tokens.maybeSweep();
    return { items: (await tokens.list({ accountId: account.id, limit: 1000 })).map(tokenJson) };
  });

  app.get(
    "/me/tokens/scopes",
    { schema: { tags, summary: "The gateway scopes my groups give me, for a new token" } },
    async (request) => {
      const { account } = await self(request);
      return {
        gateway_scopes: await deps.userScopes.grantedTo(account.id),
        note: "Other scopes (storage.*, compute.*, …) may be put in a token when the scope policies permit them (GET /api/v1/me/scopes).",
      };
    },
  );

  app.post<{ Body: CreateBody }>(
    "/me/tokens",
    { schema: { tags, summary: "Create a user token (its secret is shown once)", body: CreateBody } },
    async (request, reply) => {
      const { caller, account } = await self(request);
      const created = await tokens.create(
        actorOf(caller),
        account,
        {
          name: request.body.name,
          scopes: request.body.scopes,
          expiresAt: time(request.body.expires, "expires") ?? null,
        },
        { ip: request.ip },
      );
      return reply.code(201).send({ token: created.token, ...tokenJson(created.record) });
    },
  );

  app.get<{ Params: KeyParams }>(
    "/me/tokens/:key",
    { schema: { tags, params: KeyParams } },
    async (request) => tokenJson((await own(request, request.params.key)).token),
  );

  app.patch<{ Params: KeyParams; Body: EditBody }>(
    "/me/tokens/:key",
    { schema: { tags, summary: "Rename, narrow or change the expiry", params: KeyParams, body: EditBody } },
    async (request) => {
      const { caller, token } = await own(request, request.params.key);
      const expiresAt = time(request.body.expires, "expires");
      const updated = await tokens.edit(
        actorOf(caller),
        token.key,
        {
          ...(request.body.name === undefined ? {} : { name: request.body.name }),
          ...(request.body.scopes === undefined ? {} : { scopes: request.body.scopes }),
          ...(expiresAt === undefined ? {} : { expiresAt }),
        },
        request.ip,
      );
      return tokenJson(updated);
    },
  );

  app.delete<{ Params: KeyParams }>(
    "/me/tokens/:key",
    { schema: { tags, summary: "Revoke a token and every token delegated from it", params: KeyParams } },
    async (request, reply) => {
      const { caller, token } = await own(request, request.params.key);
      await tokens.revoke(actorOf(caller), token.key, request.ip);
      return reply.code(204).send();
    },
  );

  const historyFilter = (query: HistoryQuery, accountId: string | undefined) => ({
    limit: query.limit ?? 50,
    ...(accountId === undefined ? {} : { accountId }),
    ...(query.key === undefined ? {} : { tokenKey: query.key }),
    ...(query.action === undefined ? {} : { action: query.action }),
    ...(query.kind === undefined ? {} : { kind: query.kind }),
    ...(query.since === undefined ? {} : { since: time(query.since, "since") as number }),
    ...(query.until === undefined ? {} : { until: time(query.until, "until") as number }),
    ...(query.before === undefined ? {} : { before: Number(query.before) }),
  });
  const historyPage = (items: TokenHistoryEntry[], limit: number) =>
    page(items.map(historyJson), limit, (h) => String(h.id));

  app.get<{ Querystring: HistoryQuery }>(
    "/me/token-history",
    { schema: { tags, summary: "The history of my tokens, newest first", querystring: HistoryQuery } },
    async (request) => {
      const { account } = await self(request);
      if (request.query.account_id !== undefined && request.query.account_id !== account.id)
        throw new HttpError(403, "forbidden", "only administrators read other accounts' history");
      tokens.maybeSweep();
      const filter = historyFilter(request.query, account.id);
      return historyPage(await tokens.history(filter), filter.limit);
    },
  );

  // Administrators.
  app.get<{ Querystring: ListQuery }>(
    "/tokens",
    { schema: { tags, summary: "List tokens (administrators)", querystring: ListQuery } },
    async (request) => {
      await callers.administrator(request);
      const limit = request.query.limit ?? 100;
      const items = await tokens.list({
        limit,
        ...(request.query.account_id === undefined ? {} : { accountId: request.query.account_id }),
        ...(request.query.kind === undefined ? {} : { kind: request.query.kind }),
        ...(request.query.after === undefined ? {} : { after: request.query.after }),
      });
      return page(items.map(tokenJson), limit, (t) => t.key);
    },
  );

  app.post<{ Body: ServiceTokenBody }>(
    "/tokens",
    { schema: { tags, summary: "Create a service token for a bot account", body: ServiceTokenBody } },
    async (request, reply) => {
      const caller = await callers.administrator(request);
      const owner = await deps.accounts.findById(request.body.account_id);
      if (!owner) throw new HttpError(404, "not_found", "no such account");
      const created = await tokens.create(
        actorOf(caller),
        owner,
        {
          name: request.body.name,
          scopes: request.body.scopes,
          expiresAt: time(request.body.expires, "expires") ?? null,
        },
        { kind: "service", ip: request.ip },
      );
      return reply.code(201).send({ token: created.token, ...tokenJson(created.record) });
    },
  );

  app.get<{ Params: KeyParams }>("/tokens/:key", { schema: { tags, params: KeyParams } }, async (request) => {
    await callers.administrator(request);
    return tokenJson(await tokens.find(request.params.key));
  });

  app.delete<{ Params: KeyParams }>(
    "/tokens/:key",
    { schema: { tags, summary: "Revoke anyone's token (and its children)", params: KeyParams } },
    async (request, reply) => {
      const caller = await callers.administrator(request);
      await tokens.revoke(actorOf(caller), request.params.key, request.ip);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: HistoryQuery }>(
    "/token-history",
    { schema: { tags, summary: "Token history of everyone (administrators)", querystring: HistoryQuery } },
    async (request) => {
      await callers.administrator(request);
      const filter = historyFilter(request.query, request.query.account_id);
      return historyPage(await tokens.history(filter), filter.limit);
    },
  );
}
