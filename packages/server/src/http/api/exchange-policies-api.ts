import { type Static, Type } from "@sinclair/typebox";
import { parseScope } from "@tessera/profile";
import type { FastifyInstance } from "fastify";
import type {
  TokenExchangePolicy,
  TokenExchangePolicyService,
} from "../../domain/clients/token-exchange-policy.js";
import { HttpError } from "../errors.js";
import type { ApiCallers } from "./api-caller.js";
import { IdParams } from "./api-schemas.js";

const ClientRef = Type.String({
  minLength: 1,
  maxLength: 128,
  description: "a client_id, or * for any client",
});
const PolicyBody = Type.Object(
  {
    origin_client_id: ClientRef,
    destination_client_id: ClientRef,
    allow_refresh: Type.Optional(Type.Boolean()),
    scope_ceiling: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 100 }),
    ),
  },
  { additionalProperties: false },
);

const policyJson = (p: TokenExchangePolicy) => ({
  id: p.id,
  origin_client_id: p.originClientId,
  destination_client_id: p.destinationClientId,
  allow_refresh: p.allowRefresh,
  scope_ceiling: p.scopeCeiling,
  created_at: new Date(p.createdAt).toISOString(),
});

/**
 * Token-exchange policies (RFC 8693 at /token): which client may exchange tokens issued to which,
 * whether it may get a refresh token, and the scopes an exchanged token may never exceed.
 */
export function exchangePoliciesApi(
  app: FastifyInstance,
  deps: { callers: ApiCallers; policies: TokenExchangePolicyService },
): void {
  const { callers, policies } = deps;
  const tags = ["policies"];

  app.get("/token-exchange-policies", { schema: { tags } }, async (request) => {
    await callers.administrator(request);
    return { items: (await policies.list()).map(policyJson) };
  });

  app.post<{ Body: Static<typeof PolicyBody> }>(
    "/token-exchange-policies",
    { schema: { tags, body: PolicyBody } },
    async (request, reply) => {
      await callers.administrator(request);
      const ceiling = request.body.scope_ceiling ?? [];
      for (const scope of ceiling) {
        const parsed = parseScope(scope);
        if (!parsed.ok) throw new HttpError(400, "invalid_policy", `${scope}: ${parsed.error.message}`);
      }
      const policy = await policies.create({
        originClientId: request.body.origin_client_id,
        destinationClientId: request.body.destination_client_id,
        allowRefresh: request.body.allow_refresh ?? false,
        scopeCeiling: ceiling,
      });
      return reply.code(201).send(policyJson(policy));
    },
  );

  app.delete<{ Params: IdParams }>(
    "/token-exchange-policies/:id",
    { schema: { tags, params: IdParams } },
    async (request, reply) => {
      await callers.administrator(request);
      if (!(await policies.delete(request.params.id)))
        throw new HttpError(404, "not_found", "no such policy");
      return reply.code(204).send();
    },
  );
}
