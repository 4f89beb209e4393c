import type { FastifyRequest } from "fastify";
import type { Account } from "../../domain/accounts/account.js";
import { safeEqual } from "../../domain/secrets/random-secret.js";
import { type OwnAccessTokenVerifier, tokenScopes } from "../../protocol/own-access-token.js";
import type { Csrf } from "../csrf.js";
import { HttpError } from "../errors.js";
import type { SessionContext } from "../session-context.js";

/**
 * Who is calling the REST API, and how:
 * - `bootstrap`: the configured bootstrap token (automation setting up a fresh server), full
 *   administrator rights, no account;
 * - `token`: a Tessera access token; administrator rights need an administrator account AND the
 *   INDIGO IAM scopes `iam:admin.read` (reads) / `iam:admin.write` (changes);
 * - `session`: the browser session (the dashboard); changes need the CSRF token in the
 *   `X-CSRF-Token` header, which a cross-site form cannot send.
 */
export type ApiCaller =
  | { via: "bootstrap"; account: null; scopes: null }
  | { via: "token"; account: Account | null; scopes: string[] }
  | { via: "session"; account: Account; scopes: null };

export const ADMIN_READ_SCOPE = "iam:admin.read";
export const ADMIN_WRITE_SCOPE = "iam:admin.write";

export function createApiCallers(deps: {
  bootstrapToken: string | undefined;
  accessTokens: OwnAccessTokenVerifier;
  session: SessionContext;
  csrf: Csrf;
}) {
  async function identify(request: FastifyRequest): Promise<ApiCaller> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header);
      if (!match?.[1])
        throw new HttpError(401, "invalid_token", "the Authorization header must be Bearer <token>");
      const token = match[1];
      if (deps.bootstrapToken && safeEqual(token, deps.bootstrapToken))
        return { via: "bootstrap", account: null, scopes: null };
      const active = await deps.accessTokens.active(token);
      if (!active)
        throw new HttpError(401, "invalid_token", "the access token is invalid, expired or revoked");
      return { via: "token", account: active.account, scopes: tokenScopes(active.claims) };
    }
    const current = await deps.session.current(request);
    if (!current) throw new HttpError(401, "unauthenticated", "sign in or send an access token");
    const changes = !["GET", "HEAD", "OPTIONS"].includes(request.method);
    if (changes && !deps.csrf.verify(request, request.headers["x-csrf-token"])) {
      throw new HttpError(403, "csrf", "missing or invalid X-CSRF-Token header");
    }
    return { via: "session", account: current.account, scopes: null };
  }

  return {
    identify,

    /** The caller, who must be an administrator (with the admin scope for the kind of request). */
    async administrator(request: FastifyRequest): Promise<ApiCaller> {
      const caller = await identify(request);
      if (caller.via === "bootstrap") return caller;
      if (!caller.account?.isAdmin)
        throw new HttpError(403, "forbidden", "administrator rights are required");
      if (caller.via === "token") {
        const needed = ["GET", "HEAD"].includes(request.method) ? ADMIN_READ_SCOPE : ADMIN_WRITE_SCOPE;
        const held = caller.scopes.includes(needed) || caller.scopes.includes(ADMIN_WRITE_SCOPE);
        if (!held)
          throw new HttpError(403, "insufficient_scope", `the access token needs the scope ${needed}`);
      }
      return caller;
    },
  };
}

export type ApiCallers = ReturnType<typeof createApiCallers>;
