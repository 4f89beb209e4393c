/**
 * The token endpoint (RFC 6749 §3.2, §5):
 * - parameters are form-encoded and may not repeat (except RFC 8707 `resource`);
 * - the client authenticates first; then the grant type must be one it is allowed
 *   (`unauthorized_client`), and one the server knows (`unsupported_grant_type`);
 * - responses are never cached (handled by the HTTP layer).
 */

import {
  authenticateClient,
  CLIENT_AUTH_PARAMETERS,
  type ClientAuthenticationDeps,
} from "./client-authentication.js";
import { GRANT_TYPES } from "./grant-types.js";
import { authorizationCodeGrant } from "./grants/authorization-code-grant.js";
import { clientCredentialsGrant } from "./grants/client-credentials-grant.js";
import { deviceCodeGrant } from "./grants/device-code-grant.js";
import type { GrantDeps, GrantRequest } from "./grants/grant-context.js";
import { passwordGrant } from "./grants/password-grant.js";
import { refreshTokenGrant } from "./grants/refresh-token-grant.js";
import { tokenExchangeGrant } from "./grants/token-exchange-grant.js";
import { OAuthError } from "./oauth-error.js";
import { repeatableParameter, singleParameters } from "./single-parameters.js";
import type { Grant, TokenResponse } from "./token-issuer.js";

const GRANTS: Record<string, (deps: GrantDeps, request: GrantRequest) => Promise<TokenResponse>> = {
  [GRANT_TYPES.authorizationCode]: authorizationCodeGrant,
  [GRANT_TYPES.refreshToken]: refreshTokenGrant,
  [GRANT_TYPES.clientCredentials]: clientCredentialsGrant,
  [GRANT_TYPES.password]: passwordGrant,
  [GRANT_TYPES.deviceCode]: deviceCodeGrant,
  [GRANT_TYPES.tokenExchange]: tokenExchangeGrant,
};

export const SUPPORTED_GRANT_TYPES = Object.keys(GRANTS);

const PARAMETERS = [
  "expires_in",
  "grant_type",
  ...CLIENT_AUTH_PARAMETERS,
  "scope",
  "audience",
  "code",
  "redirect_uri",
  "code_verifier",
  "refresh_token",
  "device_code",
  "username",
  "password",
  "subject_token",
  "subject_token_type",
  "actor_token",
  "actor_token_type",
  "requested_token_type",
];

export function createTokenEndpoint(deps: GrantDeps & { clientAuthentication: ClientAuthenticationDeps }) {
  return async function token(
    authorization: string | undefined,
    body: unknown,
    context: { ip: string; userAgent: string },
  ): Promise<TokenResponse> {
    const params = singleParameters(body, PARAMETERS);
    const resources = repeatableParameter(body, "resource");
    const grantType = params.grant_type;
    if (grantType === undefined) throw new OAuthError("invalid_request", "missing parameter grant_type");
    const client = await authenticateClient(deps.clientAuthentication, authorization, params);
    const grant = GRANTS[grantType];
    if (!grant) throw new OAuthError("unsupported_grant_type", "this grant type is not supported");
    if (!client.grantTypes.includes(grantType)) {
      throw new OAuthError("unauthorized_client", "this client may not use this grant type");
    }
    const maxLifetime = requestedLifetime(params.expires_in);
    // A shorter lifetime asked for applies to whatever token this grant issues.
    const issuer =
      maxLifetime === undefined
        ? deps.issuer
        : { ...deps.issuer, issue: (g: Grant) => deps.issuer.issue({ ...g, maxLifetime }) };
    return grant({ ...deps, issuer }, { client, params, resources, context });
  };
}

/**
 * `expires_in` on a token request (INDIGO IAM #869): a client may ask for a shorter-lived access
 * token, never a longer one than its own maximum; at least 60 seconds.
 */
function requestedLifetime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 60) {
    throw new OAuthError("invalid_request", "expires_in must be a whole number of seconds, at least 60");
  }
  return Number(value);
}

export type TokenEndpoint = ReturnType<typeof createTokenEndpoint>;
