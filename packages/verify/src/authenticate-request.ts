/**
 * The framework-free core of the adapters: find the bearer token, verify it with the route's
 * requirements, and either hand back the identity or the complete refusal to send
 * (RFC 6750 §3):
 * - no bearer token: 401 and a challenge with only the realm (§3.1: no error code);
 * - malformed request, including a token in the query string: 400 `invalid_request`;
 * - a token that fails verification: 401 `invalid_token`;
 * - a valid token lacking scope: 403 `insufficient_scope` naming the scopes that would do.
 * Refusals carry `Cache-Control: no-store` and a JSON body with the same error code.
 */
import { bearerChallenge, type ChallengeError } from "./bearer-challenge.js";
import { type BearerRequest, extractBearer } from "./bearer-request.js";
import type { Verifier } from "./create-verifier.js";
import { createIdentity, type TesseraIdentity } from "./identity.js";
import type { Satisfy } from "./scope-check.js";
import { TokenError } from "./token-error.js";

/** What a route asks of the token; `Req` is the framework's request type. */
export type RouteRequirements<Req> = {
  /** Scopes the token must hold, fixed or computed from the request (e.g. from its path). */
  requiredScopes?: readonly string[] | ((request: Req) => readonly string[]);
  /** Whether all required scopes are needed (the default) or any one of them. */
  satisfy?: Satisfy;
  /** Replaces the issuers' configured audiences for this route. */
  audience?: string | readonly string[];
};

export type AdapterOptions<Req> = RouteRequirements<Req> & {
  /** The `realm` of the `WWW-Authenticate` challenge; default "tessera". */
  realm?: string;
};

export type Refusal = {
  status: 400 | 401 | 403;
  headers: Record<string, string>;
  body: { error?: string; error_description: string; scope?: string };
};

export type AuthOutcome = { ok: true; identity: TesseraIdentity } | { ok: false; refusal: Refusal };

export async function authenticateRequest<Req>(
  verifier: Verifier,
  request: Req,
  bearer: BearerRequest,
  requirements: RouteRequirements<Req>,
  realm: string | undefined,
): Promise<AuthOutcome> {
  const found = extractBearer(bearer);
  if (found.kind === "none") {
    return refuse(401, undefined, "a bearer token is required", realm);
  }
  if (found.kind === "invalid_request") {
    return refuse(400, { code: "invalid_request", description: found.description }, undefined, realm);
  }
  const { requiredScopes, satisfy, audience } = requirements;
  const scopes = typeof requiredScopes === "function" ? requiredScopes(request) : requiredScopes;
  try {
    const verified = await verifier.verify(found.token, {
      ...(scopes === undefined ? {} : { requiredScopes: scopes }),
      ...(satisfy === undefined ? {} : { satisfy }),
      ...(audience === undefined ? {} : { audience }),
    });
    return { ok: true, identity: createIdentity(verified) };
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return refuse(error.status, error, undefined, realm);
  }
}

function refuse(
  status: Refusal["status"],
  error: ChallengeError | undefined,
  description: string | undefined,
  realm: string | undefined,
): AuthOutcome {
  const challenge = bearerChallenge(error, realm === undefined ? {} : { realm });
  const body: Refusal["body"] = { error_description: error?.description ?? description ?? "" };
  if (error !== undefined) body.error = error.code;
  if (error?.scope !== undefined && error.scope.length > 0) body.scope = error.scope.join(" ");
  return {
    ok: false,
    refusal: {
      status,
      headers: {
        "www-authenticate": challenge,
        "cache-control": "no-store",
        "content-type": "application/json; charset=utf-8",
      },
      body,
    },
  };
}
