/**
 * RFC 8693 token exchange, for delegation as INDIGO IAM does it (a workflow system exchanges the
 * user's token it received for one of its own):
 * - §2.1: `subject_token` and `subject_token_type` are required; the subject token must be one of
 *   Tessera's own access tokens (`…:token-type:access_token` or `…:jwt`); another token type, or
 *   a subject token that is not a JWT at all, is `invalid_request`; a JWT that is not an active
 *   access token of this server (bad signature, expired, revoked, an ID token, a suspended
 *   user) is `invalid_grant`, as for a spent refresh token (§2.2.2 would say invalid_request;
 *   invalid_grant keeps one answer for every inactive grant); a client's own token (no user
 *   behind it) cannot be exchanged;
 * - `actor_token`/`actor_token_type` are refused (`invalid_request`): the actor is always the
 *   authenticated client;
 * - an exchange policy must match the pair (client the subject token was issued to → requesting
 *   client), else `invalid_grant`;
 * - `scope` may only narrow: every asked scope must be implied by the subject token's scope, by
 *   the requesting client's scopes and by the policy's ceiling, else `invalid_scope`; without
 *   `scope` the token gets what all three have in common;
 * - `audience` and RFC 8707 `resource` must be among the requesting client's audiences
 *   (`invalid_target`);
 * - `requested_token_type` is `…:access_token` (default) or `…:refresh_token`; a refresh token is
 *   issued only when `offline_access` is granted, the client may use the refresh grant and the
 *   policy allows refresh (otherwise `offline_access` is left out of the grant, and asking for a
 *   refresh token is `invalid_request`);
 * - §4.1: the new token's `sub` is the user, `client_id` the requesting client, and `act` names
 *   the requesting client, with the subject token's own `act` nested inside; its lifetime is the
 *   requesting client's access-token lifetime; no ID token (the user did not sign in here);
 * - §2.2.1: the response states `issued_token_type`.
 */
import { narrowScopes } from "@tessera/profile";
import { decodeJwt } from "jose";
import { requestedAudiences } from "../audience.js";
import { GRANT_TYPES, TOKEN_TYPES } from "../grant-types.js";
import { OAuthError } from "../oauth-error.js";
import { tokenScopes } from "../own-access-token.js";
import { decideScopes, requestedScopes } from "../scope-decision.js";
import type { ActorClaim } from "../token-claims.js";
import type { TokenResponse } from "../token-issuer.js";
import { allowedAudiences, type GrantDeps, type GrantRequest, required } from "./grant-context.js";

const SUBJECT_TOKEN_TYPES: ReadonlySet<string> = new Set([TOKEN_TYPES.accessToken, TOKEN_TYPES.jwt]);
const REQUESTED_TOKEN_TYPES: ReadonlySet<string> = new Set([
  TOKEN_TYPES.accessToken,
  TOKEN_TYPES.refreshToken,
]);

/** Scopes both sets allow: the items of each that the other implies (paths cover sub-paths). */
function commonScopes(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...decideScopes(a, b), ...narrowScopes(b, a)])];
}

/** The subject token's `act`, when it is a well-formed actor claim. */
function priorActor(value: unknown): ActorClaim | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { sub, act } = value as { sub?: unknown; act?: unknown };
  if (typeof sub !== "string") return undefined;
  const nested = priorActor(act);
  return nested ? { sub, act: nested } : { sub };
}

export async function tokenExchangeGrant(deps: GrantDeps, request: GrantRequest): Promise<TokenResponse> {
  const { client, params } = request;
  if (params.actor_token !== undefined || params.actor_token_type !== undefined) {
    throw new OAuthError("invalid_request", "actor tokens are not supported; the client is the actor");
  }
  const subjectToken = required(params, "subject_token");
  if (!SUBJECT_TOKEN_TYPES.has(required(params, "subject_token_type"))) {
    throw new OAuthError("invalid_request", "subject_token_type must be an access token issued here");
  }
  const requestedType = params.requested_token_type ?? TOKEN_TYPES.accessToken;
  if (!REQUESTED_TOKEN_TYPES.has(requestedType)) {
    throw new OAuthError("invalid_request", "requested_token_type must be access_token or refresh_token");
  }
  const asked = requestedScopes(params.scope);
  const audiences = allowedAudiences(client, requestedAudiences(params.audience, request.resources));

  try {
    decodeJwt(subjectToken);
  } catch {
    throw new OAuthError("invalid_request", "subject_token is not a JWT");
  }
  const subject = await deps.ownAccessTokens.active(subjectToken);
  if (!subject) throw new OAuthError("invalid_grant", "the subject token is not active");
  if (!subject.account) throw new OAuthError("invalid_grant", "the subject token does not represent a user");
  const policy = await deps.tokenExchangePolicies.find(subject.claims.client_id, client.clientId);
  if (!policy) throw new OAuthError("invalid_grant", "no token exchange policy allows this");

  const held = tokenScopes(subject.claims);
  let scope: string[];
  if (asked === undefined) {
    scope = commonScopes(held, client.scopes);
    if (policy.scopeCeiling.length > 0) scope = commonScopes(scope, policy.scopeCeiling);
  } else {
    scope = decideScopes(narrowScopes(asked, held), client.scopes);
    if (policy.scopeCeiling.length > 0) scope = decideScopes(scope, policy.scopeCeiling);
    if (scope.length < new Set(asked).size) {
      throw new OAuthError("invalid_scope", "a token exchange can only narrow the subject token's scope");
    }
  }
  const mayRefresh = policy.allowRefresh && client.grantTypes.includes(GRANT_TYPES.refreshToken);
  if (!mayRefresh) scope = scope.filter((s) => s !== "offline_access");
  const refresh = scope.includes("offline_access");
  if (requestedType === TOKEN_TYPES.refreshToken && !refresh) {
    throw new OAuthError(
      "invalid_request",
      "a refresh token needs offline_access, the refresh grant and an exchange policy allowing refresh",
    );
  }

  const prior = priorActor(subject.claims.act);
  const response = await deps.issuer.issue({
    client,
    account: subject.account,
    scope,
    audiences,
    actor: prior ? { sub: client.clientId, act: prior } : { sub: client.clientId },
  });
  return { ...response, issued_token_type: requestedType };
}
