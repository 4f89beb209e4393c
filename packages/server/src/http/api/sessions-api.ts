import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AuditLog } from "../../domain/audit/audit-log.js";
import { hashSecret } from "../../domain/secrets/random-secret.js";
import type { Session } from "../../domain/sessions/session.js";
import type { SessionService } from "../../domain/sessions/session-service.js";
import { HttpError } from "../errors.js";
import type { SessionContext } from "../session-context.js";
import type { ApiCallers } from "./api-caller.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The id a session is known by in the API. The stored id hash is what a cookie is looked up by,
 * so it never leaves the server (nor lands in access logs as a path); this is a hash of it.
 */
const publicId = (session: Session) => hashSecret(`session:${session.idHash}`).slice(0, 22);

const SessionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
type SessionParams = Static<typeof SessionParams>;
const SignInQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1, description: "the `next` of the previous page" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 25 })),
  },
  { additionalProperties: false },
);
type SignInQuery = Static<typeof SignInQuery>;

/**
 * The caller's own browser sessions (list, end one, end all others) and sign-in history (the
 * `login` events of the audit trail: password, second factor and upstream providers, with
 * failures). Ending a session also revokes the tokens delegated from it, as a logout does.
 */
export function sessionsApi(
  app: FastifyInstance,
  deps: { callers: ApiCallers; sessions: SessionService; session: SessionContext; audit: AuditLog },
): void {
  const tags = ["me"];
  /** The account, and the id hash of the session making the call (none for a bearer token). */
  const self = async (request: FastifyRequest) => {
    const caller = await deps.callers.identify(request);
    if (!caller.account) throw new HttpError(403, "forbidden", "this call is about the caller's own account");
    const current = caller.via === "session" ? await deps.session.current(request) : undefined;
    return { account: caller.account, currentHash: current?.session.idHash };
  };

  app.get(
    "/me/sessions",
    { schema: { tags, summary: "My signed-in browser sessions, most recently used first" } },
    async (request) => {
      const { account, currentHash } = await self(request);
      return {
        items: (await deps.sessions.listFor(account.id)).map((s) => ({
          id: publicId(s),
          current: s.idHash === currentHash,
          created_at: iso(s.createdAt),
          last_seen_at: iso(s.lastSeenAt),
          expires_at: iso(s.expiresAt),
          ip: s.ip,
          user_agent: s.userAgent,
        })),
      };
    },
  );

  app.delete<{ Params: SessionParams }>(
    "/me/sessions/:id",
    {
      schema: {
        tags,
        summary: "Sign out one of my sessions (and revoke the tokens delegated from it)",
        params: SessionParams,
      },
    },
    async (request, reply) => {
      const { account } = await self(request);
      const session = (await deps.sessions.listFor(account.id)).find(
        (s) => publicId(s) === request.params.id,
      );
      if (!session) throw new HttpError(404, "not_found", "no such session");
      await deps.session.revoke(session.idHash, request.ip);
      return reply.code(204).send();
    },
  );

  app.post(
    "/me/sessions/end-others",
    {
      schema: {
        tags,
        summary: "Sign out everywhere else: every session of mine but the one making this call",
      },
    },
    async (request) => {
      const { account, currentHash } = await self(request);
      const others = (await deps.sessions.listFor(account.id)).filter((s) => s.idHash !== currentHash);
      for (const s of others) await deps.session.revoke(s.idHash, request.ip);
      return { ended: others.length };
    },
  );

  app.get<{ Querystring: SignInQuery }>(
    "/me/sign-ins",
    {
      schema: {
        tags,
        summary: "My sign-in history, newest first: method, result, address",
        querystring: SignInQuery,
      },
    },
    async (request) => {
      const { account } = await self(request);
      const limit = request.query.limit ?? 25;
      const events = await deps.audit.list({
        accountId: account.id,
        event: "login",
        limit,
        ...(request.query.before === undefined ? {} : { before: request.query.before }),
      });
      const last = events[events.length - 1];
      return {
        items: events.map((e) => ({
          id: e.id,
          at: iso(e.at),
          method: e.method,
          result: e.result,
          reason: e.reason,
          ip: e.ip,
          user_agent: e.userAgent,
        })),
        ...(events.length === limit && last ? { next: last.id } : {}),
      };
    },
  );
}
