import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Aup } from "../../domain/aup/aup.js";
import type { AupService } from "../../domain/aup/aup-service.js";
import { HttpError } from "../errors.js";
import type { ApiCallers } from "./api-caller.js";

const AupBody = Type.Object(
  {
    text: Type.String({ maxLength: 100_000 }),
    url: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 2048 })])),
    validity_days: Type.Integer({ minimum: 0, maximum: 3650, description: "0: sign once" }),
  },
  { additionalProperties: false },
);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const aupJson = (aup: Aup) => ({
  text: aup.text,
  url: aup.url,
  validity_days: aup.validityDays,
  updated_at: iso(aup.updatedAt),
});

/** The AUP: anyone reads it, administrators set it, people see and renew their own signature. */
export function aupApi(app: FastifyInstance, deps: { callers: ApiCallers; aup: AupService }): void {
  const { callers, aup } = deps;
  const tags = ["aup"];

  app.get("/aup", { schema: { tags } }, async () => {
    const current = await aup.current();
    if (!current) throw new HttpError(404, "not_found", "no acceptable use policy is set");
    return aupJson(current);
  });

  app.put<{ Body: Static<typeof AupBody> }>("/aup", { schema: { tags, body: AupBody } }, async (request) => {
    const caller = await callers.administrator(request);
    const body = request.body;
    return aupJson(
      await aup.set(caller.account?.id ?? null, {
        text: body.text,
        url: body.url ?? null,
        validityDays: body.validity_days,
      }),
    );
  });

  app.delete("/aup", { schema: { tags } }, async (request, reply) => {
    const caller = await callers.administrator(request);
    await aup.remove(caller.account?.id ?? null);
    return reply.code(204).send();
  });

  app.get("/me/aup", { schema: { tags } }, async (request) => {
    const caller = await callers.identify(request);
    if (!caller.account) throw new HttpError(400, "no_account", "this caller has no account");
    const status = await aup.status(caller.account.id);
    return {
      aup: status.aup ? aupJson(status.aup) : null,
      signed_at: iso(status.signedAt),
      expires_at: iso(status.expiresAt),
      must_sign: status.mustSign,
    };
  });

  app.post("/me/aup/sign", { schema: { tags } }, async (request) => {
    const caller = await callers.identify(request);
    if (!caller.account) throw new HttpError(400, "no_account", "this caller has no account");
    if (!(await aup.current())) throw new HttpError(404, "not_found", "no acceptable use policy is set");
    await aup.sign(caller.account, { ip: request.ip, userAgent: request.headers["user-agent"] ?? null });
    const status = await aup.status(caller.account.id);
    return { signed_at: iso(status.signedAt), expires_at: iso(status.expiresAt), must_sign: status.mustSign };
  });
}
