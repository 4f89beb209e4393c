import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AuditLog } from "../../domain/audit/audit-log.js";
import type { Clock } from "../../domain/clock.js";
import type { KeyRing } from "../../domain/keys/key-ring.js";
import { accountJson, auditJson } from "./accounts-api.js";
import type { ApiCallers } from "./api-caller.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const AuditQuery = Type.Object(
  {
    account_id: Type.Optional(Type.String({ maxLength: 64 })),
    event: Type.Optional(Type.String({ maxLength: 64 })),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
type AuditQuery = Static<typeof AuditQuery>;

const RotateBody = Type.Object(
  {
    immediate: Type.Optional(
      Type.Boolean({ description: "sign with the new key at once (a compromised key)" }),
    ),
  },
  { additionalProperties: false },
);

/** The caller's own account, signing keys and the audit trail. */
export function operatorApi(
  app: FastifyInstance,
  deps: { callers: ApiCallers; keys: KeyRing; audit: AuditLog; clock: Clock },
): void {
  const { callers } = deps;

  app.get("/me", { schema: { tags: ["accounts"] } }, async (request) => {
    const caller = await callers.identify(request);
    return {
      via: caller.via,
      account: caller.account ? accountJson(caller.account, deps.clock.now()) : null,
      scopes: caller.scopes,
    };
  });

  app.get("/keys", { schema: { tags: ["keys"] } }, async (request) => {
    await callers.administrator(request);
    const keys = await deps.keys.list();
    return {
      items: keys.map((k) => ({
        kid: k.kid,
        alg: k.alg,
        state: k.state,
        created_at: iso(k.createdAt),
        signs_from: iso(k.signsFrom),
        signs_until: iso(k.signsUntil),
        published_until: iso(k.publishedUntil),
      })),
    };
  });

  app.post<{ Body: Static<typeof RotateBody> | undefined }>(
    "/keys/rotate",
    { schema: { tags: ["keys"], body: Type.Optional(RotateBody) } },
    async (request, reply) => {
      await callers.administrator(request);
      const key = await deps.keys.rotate(request.body?.immediate === true);
      return reply.code(201).send({ kid: key.kid, alg: key.alg, signs_from: iso(key.signsFrom) });
    },
  );

  app.get<{ Querystring: AuditQuery }>(
    "/audit",
    { schema: { tags: ["audit"], querystring: AuditQuery } },
    async (request) => {
      await callers.administrator(request);
      const { account_id, event, before, limit = 100 } = request.query;
      const events = await deps.audit.list({
        limit,
        ...(account_id ? { accountId: account_id } : {}),
        ...(event ? { event } : {}),
        ...(before ? { before } : {}),
      });
      const last = events[events.length - 1];
      return {
        items: events.map(auditJson),
        ...(events.length === limit && last ? { next: last.id } : {}),
      };
    },
  );
}
