/**
 * The gateway for nginx `auth_request` (Gafaelfawr's `/auth`), see deploy/nginx/ and
 * docs/gateway.md:
 * - `GET /auth?scope=…&satisfy=all|any&delegate_to=…&delegate_scope=…&notebook=true&
 *   minimum_lifetime=…&auth_type=bearer|basic&allow_anonymous=true`;
 * - credentials: `Authorization: Bearer <tsr_ token or JWT>`, Basic with the token as username
 *   or password, or the session cookie;
 * - 200 with `X-Auth-Request-User`, `-Email`, `-Groups`, `-Token` (delegated), plus
 *   `-Cookie` / `-Authorization`: the request's headers without Tessera's credentials, for nginx
 *   to pass upstream; 401 with an RFC 6750 challenge (Basic with `auth_type=basic`) and
 *   `X-Auth-Request-Redirect`, the login URL that brings a browser back; 403 with
 *   `error="insufficient_scope"`. nginx passes only 401 and 403 on, so nothing else is used
 *   for refusals (a malformed query is a site configuration error: 400, which nginx turns into 500).
 * - `GET /auth/anonymous`: 200 with the stripped `-Cookie` / `-Authorization` headers only.
 */
import { bearerChallenge, type ChallengeError } from "@tessera/verify";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../config/load.js";
import type { AuditLog } from "../../domain/audit/audit-log.js";
import { DelegationTooShortError } from "../../domain/tokens/token-service.js";
import { looksLikeUserToken } from "../../domain/tokens/user-token.js";
import type { GatewayServices } from "../../gateway-services.js";
import type { GatewayIdentity } from "../../protocol/gateway-authenticator.js";
import type { CookieSettings } from "../cookies.js";
import { safeRedirectTarget } from "../redirect-target.js";
import type { SessionContext } from "../session-context.js";

type Query = Record<string, string | string[] | undefined>;

interface AuthParams {
  scopes: string[];
  satisfy: "all" | "any";
  delegateTo: string | null;
  delegateScopes: string[];
  notebook: boolean;
  minimumLifetime: number | undefined;
  authType: "bearer" | "basic";
  allowAnonymous: boolean;
}

const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_MINIMUM_LIFETIME = 30 * 86_400;

class ParamError extends Error {}

const all = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const one = (query: Query, name: string): string | undefined => {
  const values = all(query[name]);
  if (values.length > 1) throw new ParamError(`${name} may be given once`);
  return values[0];
};
const flag = (query: Query, name: string): boolean => {
  const value = one(query, name);
  if (value === undefined || value === "false" || value === "0") return false;
  if (value === "" || value === "true" || value === "1") return true;
  throw new ParamError(`${name} must be true or false`);
};
const scopeList = (values: string[], name: string): string[] => {
  const out = [...new Set(values.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean))];
  for (const scope of out) if (!SCOPE.test(scope)) throw new ParamError(`${name}: ${scope} is not a scope`);
  if (out.length > 50) throw new ParamError(`${name}: at most 50 scopes`);
  return out;
};

function parseParams(query: Query): AuthParams {
  const satisfy = one(query, "satisfy") ?? "all";
  if (satisfy !== "all" && satisfy !== "any") throw new ParamError("satisfy must be all or any");
  const authType = one(query, "auth_type") ?? "bearer";
  if (authType !== "bearer" && authType !== "basic")
    throw new ParamError("auth_type must be bearer or basic");
  const delegateTo = one(query, "delegate_to") ?? null;
  if (delegateTo !== null && !SERVICE.test(delegateTo))
    throw new ParamError("delegate_to is not a service name");
  const notebook = flag(query, "notebook");
  if (notebook && delegateTo !== null) throw new ParamError("notebook and delegate_to exclude each other");
  const delegateScopes = scopeList(all(query.delegate_scope), "delegate_scope");
  if (delegateScopes.length > 0 && delegateTo === null)
    throw new ParamError("delegate_scope needs delegate_to");
  const minimum = one(query, "minimum_lifetime");
  let minimumLifetime: number | undefined;
  if (minimum !== undefined) {
    if (!/^\d{1,8}$/.test(minimum) || Number(minimum) < 1 || Number(minimum) > MAX_MINIMUM_LIFETIME)
      throw new ParamError("minimum_lifetime must be a number of seconds up to 30 days");
    if (delegateTo === null && !notebook)
      throw new ParamError("minimum_lifetime needs delegate_to or notebook");
    minimumLifetime = Number(minimum);
  }
  return {
    scopes: scopeList(all(query.scope), "scope"),
    satisfy,
    delegateTo,
    delegateScopes,
    notebook,
    minimumLifetime,
    authType,
    allowAnonymous: flag(query, "allow_anonymous"),
  };
}

/** Header values from other issuers' claims may hold anything: keep them printable ASCII. */
const headerSafe = (value: string) => value.replace(/[^\x20-\x7e]/g, "?").slice(0, 4096);

export function gatewayRoutes(
  app: FastifyInstance,
  deps: {
    config: Config;
    session: SessionContext;
    cookies: CookieSettings;
    gateway: GatewayServices;
    audit: AuditLog;
  },
): void {
  const { config, session, gateway } = deps;
  const { authenticator, tokens } = gateway;
  const tesseraCookies = new Set([deps.cookies.sessionName, deps.cookies.csrfName]);
  const redirectDomains = config.gateway.allowedRedirectDomains;

  /** The presented token from Authorization, `null` when the header holds none of ours. */
  function presentedToken(header: string | undefined): string | null | undefined {
    if (header === undefined) return null;
    const bearer = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
    if (bearer?.[1]) return bearer[1];
    const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const user = colon < 0 ? decoded : decoded.slice(0, colon);
      const password = colon < 0 ? "" : decoded.slice(colon + 1);
      // Gafaelfawr's convention: the token is the username or the password (the other is
      // ignored, often `x-oauth-basic`).
      for (const candidate of [user, password]) {
        if (looksLikeUserToken(candidate) || JWT.test(candidate)) return candidate;
      }
      return undefined;
    }
    return null;
  }

  /** The request's Cookie and Authorization without Tessera's credentials, for the upstream. */
  /**
   * `ours`: whether the Authorization header carries Tessera's own credential (known after
   * authentication; worked out from the header otherwise).
   */
  function strippedHeaders(request: FastifyRequest, reply: FastifyReply, ours?: boolean) {
    const cookie = request.headers.cookie;
    if (cookie) {
      const kept = cookie
        .split(";")
        .map((c) => c.trim())
        .filter((c) => c && !tesseraCookies.has(c.slice(0, c.indexOf("=") < 0 ? c.length : c.indexOf("="))));
      if (kept.length > 0) reply.header("x-auth-request-cookie", kept.join("; "));
    }
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const token = ours === undefined ? presentedToken(authorization) : null;
      const strip =
        ours ?? (token !== undefined && token !== null && (looksLikeUserToken(token) || isOwnJwt(token)));
      if (!strip) reply.header("x-auth-request-authorization", headerSafe(authorization));
    }
  }

  function isOwnJwt(token: string): boolean {
    const payload = token.split(".")[1];
    if (!payload) return false;
    try {
      return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")).iss === config.issuer;
    } catch {
      return false;
    }
  }

  function loginUrl(request: FastifyRequest): string {
    const original = request.headers["x-original-url"];
    const target = safeRedirectTarget(
      typeof original === "string" ? original : undefined,
      config.issuer,
      redirectDomains,
    );
    return `${config.issuer}/login${target ? `?rd=${encodeURIComponent(target)}` : ""}`;
  }

  function decided(
    request: FastifyRequest,
    identity: GatewayIdentity | undefined,
    result: "success" | "failure",
    reason: string,
  ) {
    if (!config.gateway.auditDecisions) return;
    void deps.audit
      .record({
        accountId: identity?.account?.id ?? null,
        username: identity?.username ?? null,
        event: "gateway.auth",
        method: identity?.via ?? null,
        result,
        reason: reason.slice(0, 500),
        ip: request.ip,
        userAgent: request.headers["user-agent"] ?? null,
      })
      .catch((error: unknown) => request.log.error({ err: error }, "could not audit a gateway decision"));
  }

  function unauthorized(
    request: FastifyRequest,
    reply: FastifyReply,
    params: Pick<AuthParams, "authType">,
    error: ChallengeError | undefined,
  ) {
    decided(request, undefined, "failure", error?.description ?? "no credentials");
    return reply
      .code(401)
      .header("cache-control", "no-store")
      .header(
        "www-authenticate",
        params.authType === "basic" ? 'Basic realm="tessera", charset="UTF-8"' : bearerChallenge(error),
      )
      .header("x-auth-request-redirect", loginUrl(request))
      .send();
  }

  // nginx consumes these answers; browsers never render them, so the page headers are skipped.
  const lean = { config: { securityHeaders: false } } as const;

  app.get("/auth", lean, async (request, reply) => {
    let params: AuthParams;
    try {
      params = parseParams(request.query as Query);
    } catch (error) {
      if (!(error instanceof ParamError)) throw error;
      return reply
        .code(400)
        .type("text/plain; charset=utf-8")
        .header("cache-control", "no-store")
        .send(error.message);
    }
    tokens.maybeSweep();

    const presented = presentedToken(request.headers.authorization);
    let identity: GatewayIdentity | undefined;
    if (presented === undefined) {
      return unauthorized(request, reply, params, {
        code: "invalid_token",
        description: "the Basic credentials carry no token",
      });
    }
    if (presented !== null) {
      identity = await authenticator.bearer(presented);
      if (!identity)
        return unauthorized(request, reply, params, {
          code: "invalid_token",
          description: "the token is invalid, expired or revoked",
        });
    } else {
      const current = await session.current(request);
      if (current) identity = await authenticator.session(current.session, current.account);
    }

    if (!identity) {
      if (!params.allowAnonymous) return unauthorized(request, reply, params, undefined);
      decided(request, undefined, "success", "anonymous");
      strippedHeaders(request, reply);
      return reply
        .code(200)
        .header("cache-control", "no-store")
        .header("x-auth-request-user", "anonymous")
        .send();
    }

    const missing = await authenticator.missing(identity, params.scopes);
    const met = params.satisfy === "all" ? missing.length === 0 : missing.length < params.scopes.length;
    if (!met) {
      const needed = params.satisfy === "all" ? missing : params.scopes;
      const description =
        params.satisfy === "all"
          ? `the credential lacks the scope ${needed.join(" ")}`
          : `the credential has none of the scopes ${needed.join(" ")}`;
      decided(request, identity, "failure", description);
      return reply
        .code(403)
        .header("cache-control", "no-store")
        .header(
          "www-authenticate",
          bearerChallenge({ code: "insufficient_scope", description, scope: needed }),
        )
        .send();
    }

    if (params.delegateTo !== null || params.notebook) {
      if (!identity.parent || !identity.account) {
        const description = "delegated tokens need a session or a Tessera token";
        decided(request, identity, "failure", description);
        return reply
          .code(403)
          .header("cache-control", "no-store")
          .header("www-authenticate", bearerChallenge({ code: "insufficient_scope", description }))
          .send();
      }
      const scopes = params.notebook
        ? await authenticator.allScopes(identity)
        : await authenticator.delegable(identity, params.delegateScopes);
      try {
        const child = await tokens.delegate(identity.account, identity.parent, {
          kind: params.notebook ? "notebook" : "internal",
          service: params.delegateTo,
          scopes,
          ...(params.minimumLifetime === undefined ? {} : { minimumLifetime: params.minimumLifetime }),
        });
        reply.header("x-auth-request-token", child.token);
      } catch (error) {
        if (!(error instanceof DelegationTooShortError)) throw error;
        return unauthorized(request, reply, params, { code: "invalid_token", description: error.message });
      }
    }

    decided(request, identity, "success", params.scopes.join(" ") || "authenticated");
    reply.header("cache-control", "no-store").header("x-auth-request-user", headerSafe(identity.username));
    if (identity.email) reply.header("x-auth-request-email", headerSafe(identity.email));
    if (identity.groups.length > 0)
      reply.header("x-auth-request-groups", headerSafe(identity.groups.join(",")));
    strippedHeaders(request, reply, presented === null ? false : identity.tesseraCredential);
    return reply.code(200).send();
  });

  app.get("/auth/anonymous", lean, async (request, reply) => {
    reply.header("cache-control", "no-store");
    strippedHeaders(request, reply);
    return reply.code(200).send();
  });
}
