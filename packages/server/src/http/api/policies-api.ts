import { type Static, Type } from "@sinclair/typebox";
import { splitScopeString } from "@tessera/profile";
import type { FastifyInstance } from "fastify";
import type { AccountService } from "../../domain/accounts/account-service.js";
import type { ScopeDecision } from "../../domain/policies/evaluate-scopes.js";
import type { ScopePolicy } from "../../domain/policies/scope-policy.js";
import { policyLevel } from "../../domain/policies/scope-policy.js";
import type { ScopePolicyService } from "../../domain/policies/scope-policy-service.js";
import { HttpError } from "../errors.js";
import type { ApiCallers } from "./api-caller.js";
import { IdParams } from "./api-schemas.js";

const PolicyBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    rule: Type.Union([Type.Literal("permit"), Type.Literal("deny")]),
    account_id: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 64 })])),
    group_id: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 64 })])),
    scopes: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 100 }),
    matching: Type.Union([Type.Literal("exact"), Type.Literal("path"), Type.Literal("regex")]),
  },
  { additionalProperties: false },
);
type PolicyBody = Static<typeof PolicyBody>;

const ExplainQuery = Type.Object(
  { account_id: Type.String({ maxLength: 64 }), scope: Type.String({ minLength: 1, maxLength: 4096 }) },
  { additionalProperties: false },
);
const MyScopesQuery = Type.Object(
  { scope: Type.Optional(Type.String({ maxLength: 4096 })) },
  { additionalProperties: false },
);

const policyJson = (p: ScopePolicy) => ({
  id: p.id,
  description: p.description,
  rule: p.rule,
  level: policyLevel(p),
  account_id: p.accountId,
  group_id: p.groupId,
  scopes: p.scopes,
  matching: p.matching,
  created_at: new Date(p.createdAt).toISOString(),
  updated_at: new Date(p.updatedAt).toISOString(),
});
const decisionJson = (d: ScopeDecision) => ({
  scope: d.scope,
  permitted: d.permitted,
  level: d.level,
  policy_id: d.policyId,
  reason: d.reason,
});
const input = (body: PolicyBody) => ({
  rule: body.rule,
  scopes: body.scopes,
  matching: body.matching,
  ...(body.description === undefined ? {} : { description: body.description }),
  accountId: body.account_id ?? null,
  groupId: body.group_id ?? null,
});

/** Scope policies: administrators write them and ask why; users see what they may obtain. */
export function policiesApi(
  app: FastifyInstance,
  deps: { callers: ApiCallers; policies: ScopePolicyService; accounts: AccountService },
): void {
  const { callers, policies } = deps;
  const tags = ["policies"];
  const actorId = (caller: Awaited<ReturnType<ApiCallers["identify"]>>) => caller.account?.id ?? null;

  app.get("/policies", { schema: { tags } }, async (request) => {
    await callers.administrator(request);
    return { items: (await policies.list()).map(policyJson) };
  });

  app.post<{ Body: PolicyBody }>(
    "/policies",
    { schema: { tags, body: PolicyBody } },
    async (request, reply) => {
      const caller = await callers.administrator(request);
      return reply.code(201).send(policyJson(await policies.create(actorId(caller), input(request.body))));
    },
  );

  app.get<{ Params: IdParams }>("/policies/:id", { schema: { tags, params: IdParams } }, async (request) => {
    await callers.administrator(request);
    return policyJson(await policies.find(request.params.id));
  });

  app.put<{ Params: IdParams; Body: PolicyBody }>(
    "/policies/:id",
    { schema: { tags, params: IdParams, body: PolicyBody } },
    async (request) => {
      const caller = await callers.administrator(request);
      return policyJson(await policies.replace(actorId(caller), request.params.id, input(request.body)));
    },
  );

  app.delete<{ Params: IdParams }>(
    "/policies/:id",
    { schema: { tags, params: IdParams } },
    async (request, reply) => {
      const caller = await callers.administrator(request);
      await policies.delete(actorId(caller), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: Static<typeof ExplainQuery> }>(
    "/policies/explain",
    { schema: { tags, querystring: ExplainQuery } },
    async (request) => {
      await callers.administrator(request);
      const account = await deps.accounts.findById(request.query.account_id);
      if (!account) throw new HttpError(404, "not_found", "no such account");
      const decisions = await policies.explain(account, splitScopeString(request.query.scope));
      return { account_id: account.id, username: account.username, decisions: decisions.map(decisionJson) };
    },
  );

  app.get<{ Querystring: Static<typeof MyScopesQuery> }>(
    "/me/scopes",
    { schema: { tags, querystring: MyScopesQuery } },
    async (request) => {
      const caller = await callers.identify(request);
      if (!caller.account) throw new HttpError(400, "no_account", "this caller has no account");
      const applicable = await policies.applicableTo(caller.account);
      return {
        policies: applicable.map(policyJson),
        unmatched: "scopes that no policy matches are permitted",
        ...(request.query.scope
          ? {
              decisions: (await policies.explain(caller.account, splitScopeString(request.query.scope))).map(
                decisionJson,
              ),
            }
          : {}),
      };
    },
  );
}
