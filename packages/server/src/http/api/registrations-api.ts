import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { LoginThrottle } from "../../domain/login/login-throttle.js";
import { REGISTRATION_STATUSES, type Registration } from "../../domain/registration/registration.js";
import type { Actor, RegistrationService } from "../../domain/registration/registration-service.js";
import { HttpError } from "../errors.js";
import { signupThrottleKey } from "../routes/signup.js";
import type { ApiCaller, ApiCallers } from "./api-caller.js";
import { IdParams } from "./api-schemas.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const registrationJson = (r: Registration) => ({
  id: r.id,
  username: r.username,
  name: r.name,
  email: r.email,
  notes: r.notes,
  status: r.status,
  aup_accepted_at: iso(r.aupAcceptedAt),
  email_confirmed_at: iso(r.emailConfirmedAt),
  account_id: r.accountId,
  decided_by: r.decidedBy,
  reason: r.reason,
  created_at: iso(r.createdAt),
  decided_at: iso(r.decidedAt),
});

const NewRegistration = Type.Object(
  {
    username: Type.String({ maxLength: 64 }),
    name: Type.String({ maxLength: 256 }),
    email: Type.String({ maxLength: 320 }),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
    password: Type.String({ minLength: 12, maxLength: 1024 }),
    aup_accepted: Type.Literal(true, { description: "the applicant accepts the acceptable use policy" }),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(REGISTRATION_STATUSES.map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    before: Type.Optional(
      Type.String({ format: "date-time", description: "created_at of the last item seen" }),
    ),
  },
  { additionalProperties: false },
);
const Rejection = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000, description: "told to the applicant" }) },
  { additionalProperties: false },
);

const actorOf = (caller: ApiCaller): Actor => ({
  accountId: caller.account?.id ?? null,
  username: caller.account?.username ?? null,
});

/**
 * Moderated sign-up over the API: anyone may ask (as on the /signup page, throttled per network;
 * the applicant then confirms their email by the emailed link); administrators list the requests
 * and approve or reject them.
 */
export function registrationsApi(
  app: FastifyInstance,
  deps: { callers: ApiCallers; registrations: RegistrationService; throttle: LoginThrottle },
): void {
  const { callers, registrations, throttle } = deps;
  const tags = ["registrations"];

  app.post<{ Body: Static<typeof NewRegistration> }>(
    "/registrations",
    { schema: { tags, body: NewRegistration, security: [] } },
    async (request, reply) => {
      if (registrations.mode === "closed")
        throw new HttpError(403, "signup_closed", "sign-up is closed on this server");
      const key = signupThrottleKey(request.ip);
      if (!(await throttle.charge(key))) {
        const wait = Math.max(1, await throttle.retryAfter([key]));
        reply.header("retry-after", String(wait));
        throw new HttpError(
          429,
          "too_many_requests",
          `too many sign-ups from this network; retry in ${wait} s`,
        );
      }
      const body = request.body;
      const outcome = await registrations.request(
        {
          username: body.username,
          name: body.name,
          email: body.email,
          notes: body.notes ?? "",
          password: body.password,
          aupAccepted: body.aup_accepted,
        },
        { ip: request.ip, userAgent: request.headers["user-agent"] ?? "" },
      );
      if (!outcome.ok) {
        const detail = Object.entries(outcome.problems)
          .map(([field, problem]) => `${field}: ${problem}`)
          .join(" ");
        throw outcome.taken
          ? new HttpError(409, "username_taken", "this username is taken")
          : new HttpError(400, "invalid_registration", detail);
      }
      return reply.code(201).send(registrationJson(outcome.registration));
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    "/registrations",
    { schema: { tags, querystring: ListQuery } },
    async (request) => {
      await callers.administrator(request);
      const limit = request.query.limit ?? 50;
      const items = await registrations.list({
        limit,
        ...(request.query.status ? { status: request.query.status } : {}),
        ...(request.query.before ? { before: Date.parse(request.query.before) } : {}),
      });
      const last = items[items.length - 1];
      return {
        items: items.map(registrationJson),
        ...(items.length === limit && last ? { next: iso(last.createdAt) } : {}),
      };
    },
  );

  app.get<{ Params: IdParams }>(
    "/registrations/:id",
    { schema: { tags, params: IdParams } },
    async (request) => {
      await callers.administrator(request);
      return registrationJson(await registrations.find(request.params.id));
    },
  );

  app.post<{ Params: IdParams }>(
    "/registrations/:id/approve",
    { schema: { tags, params: IdParams } },
    async (request) => {
      const caller = await callers.administrator(request);
      return registrationJson(await registrations.approve(request.params.id, actorOf(caller)));
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof Rejection> }>(
    "/registrations/:id/reject",
    { schema: { tags, params: IdParams, body: Rejection } },
    async (request) => {
      const caller = await callers.administrator(request);
      return registrationJson(
        await registrations.reject(request.params.id, actorOf(caller), request.body.reason),
      );
    },
  );
}
