import type { FastifyReply, FastifyRequest } from "fastify";
import type { Account } from "../domain/accounts/account.js";
import { hashSecret } from "../domain/secrets/random-secret.js";
import type { Session } from "../domain/sessions/session.js";
import type { SessionService } from "../domain/sessions/session-service.js";
import type { CookieSettings } from "./cookies.js";

/** Resolves the browser session behind a request (at most once per request). */
/**
 * `beforeEnd` runs before a session is deleted at logout, with the session's id hash: the token
 * service revokes the tokens delegated from the session there, so their revocation is recorded
 * and reaches the gateway caches (the database would otherwise drop them silently by cascade).
 */
export function createSessionContext(
  sessions: SessionService,
  cookies: CookieSettings,
  beforeEnd: (sessionIdHash: string, ip: string) => Promise<void> = async () => {},
) {
  const cache = new WeakMap<FastifyRequest, Promise<{ session: Session; account: Account } | undefined>>();

  function current(request: FastifyRequest) {
    let found = cache.get(request);
    if (!found) {
      const secret = request.cookies[cookies.sessionName];
      // Cookie values are ours or garbage; garbage never reaches the database.
      found =
        secret && /^[A-Za-z0-9_-]{43}$/.test(secret) ? sessions.resume(secret) : Promise.resolve(undefined);
      cache.set(request, found);
    }
    return found;
  }

  return {
    /** The live session and its account, if the request carries one. */
    current,

    async account(request: FastifyRequest): Promise<Account | undefined> {
      return (await current(request))?.account;
    },

    async begin(request: FastifyRequest, reply: FastifyReply, accountId: string, lifetimeSeconds: number) {
      // A fresh session id on every login: a session id planted before login is worthless after.
      await this.end(request, reply);
      const { secret } = await sessions.start(accountId, {
        ip: request.ip,
        userAgent: request.headers["user-agent"] ?? "",
      });
      reply.setCookie(cookies.sessionName, secret, cookies.options(lifetimeSeconds));
    },

    /** Ends another session of the account (from the session list), with its delegated tokens. */
    async revoke(sessionIdHash: string, ip: string) {
      await beforeEnd(sessionIdHash, ip);
      await sessions.endByHash(sessionIdHash);
    },

    async end(request: FastifyRequest, reply: FastifyReply) {
      const secret = request.cookies[cookies.sessionName];
      if (secret && /^[A-Za-z0-9_-]{43}$/.test(secret)) {
        await beforeEnd(hashSecret(secret), request.ip);
        await sessions.end(secret);
      }
      if (secret !== undefined) reply.clearCookie(cookies.sessionName, cookies.options());
    },
  };
}

export type SessionContext = ReturnType<typeof createSessionContext>;
