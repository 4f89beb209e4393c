/**
 * The authorization request (RFC 6749 §4.1.1, §3.1.2; OIDC Core §3.1.2; RFC 7636; RFC 9700; RFC 9207):
 * - the client and redirect URI are checked first; while either is in doubt, errors are shown
 *   to the user and never sent to the unverified URI (no open redirect);
 * - the redirect URI must match a registered one exactly (loopback: any port); it may be left
 *   out only when the client registered exactly one;
 * - then errors go back to the client, with `state` and `iss`;
 * - only `response_type=code`; PKCE S256 required for public clients, optional (but honoured)
 *   for confidential ones; `plain` refused;
 * - scopes follow the WLCG grammar (invalid_scope) and are narrowed to what the client may have.
 */
import type { Client } from "../domain/clients/client.js";
import { isPublicClient } from "../domain/clients/client.js";
import { requestedAudiences } from "./audience.js";
import { GRANT_TYPES } from "./grant-types.js";
import { allowedAudiences } from "./grants/grant-context.js";
import { OAuthError } from "./oauth-error.js";
import { checkCodeChallenge } from "./pkce.js";
import { redirectUriMatches } from "./redirect-uri.js";
import { decideScopes, requestedScopes } from "./scope-decision.js";
import { repeatableParameter, singleParameters } from "./single-parameters.js";

export interface AuthorizationRequest {
  client: Client;
  redirectUri: string;
  state: string | undefined;
  nonce: string | undefined;
  scope: string[];
  audiences: string[];
  codeChallenge: string | undefined;
  prompt: string[];
}

/** An error to send back to the client's (verified) redirect URI. */
export class RedirectableError extends Error {
  constructor(
    readonly error: OAuthError,
    readonly redirectUri: string,
    readonly state: string | undefined,
  ) {
    super(error.description);
    this.name = "RedirectableError";
  }
}

const PARAMETERS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
  "prompt",
  "audience",
  "response_mode",
  "max_age",
  "login_hint",
  "ui_locales",
  "display",
  "claims",
  "request",
  "request_uri",
];

export async function validateAuthorizationRequest(
  query: unknown,
  findClient: (clientId: string) => Promise<Client | undefined>,
): Promise<AuthorizationRequest> {
  // Until the redirect URI is verified, every error is an OAuthError shown to the user.
  const params = singleParameters(query, PARAMETERS);
  if (!params.client_id) throw new OAuthError("invalid_request", "missing parameter client_id");
  const client = await findClient(params.client_id);
  if (!client) throw new OAuthError("invalid_client", "unknown client");
  if (client.suspendedAt) throw new OAuthError("invalid_client", "this client is suspended");
  const redirectUri =
    params.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  if (!redirectUri) throw new OAuthError("invalid_request", "missing parameter redirect_uri");
  if (!redirectUriMatches(client.redirectUris, redirectUri)) {
    throw new OAuthError("invalid_request", "redirect_uri is not registered for this client");
  }

  const state = params.state;
  try {
    if (params.request || params.request_uri) {
      throw new OAuthError("invalid_request", "request objects are not supported");
    }
    if (params.response_type !== "code") {
      throw new OAuthError("unsupported_response_type", "only response_type=code is supported");
    }
    if (params.response_mode !== undefined && params.response_mode !== "query") {
      throw new OAuthError("invalid_request", "only response_mode=query is supported");
    }
    if (!client.grantTypes.includes(GRANT_TYPES.authorizationCode)) {
      throw new OAuthError("unauthorized_client", "this client may not use the authorization code grant");
    }
    const scope = decideScopes(requestedScopes(params.scope), client.scopes);
    const audiences = allowedAudiences(
      client,
      requestedAudiences(params.audience, repeatableParameter(query, "resource")),
    );
    const pkce = checkCodeChallenge(
      { codeChallenge: params.code_challenge, codeChallengeMethod: params.code_challenge_method },
      { required: isPublicClient(client) },
    );
    return {
      client,
      redirectUri,
      state,
      nonce: params.nonce,
      scope,
      audiences,
      codeChallenge: pkce?.codeChallenge,
      prompt: (params.prompt ?? "").split(" ").filter(Boolean),
    };
  } catch (error) {
    if (error instanceof OAuthError) throw new RedirectableError(error, redirectUri, state);
    throw error;
  }
}

/** The client's redirect URI with the response parameters added (its own query kept). */
export function authorizationResponseUrl(
  redirectUri: string,
  issuer: string,
  values: Record<string, string | undefined>,
): string {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(values))
    if (value !== undefined) url.searchParams.append(key, value);
  // RFC 9207: name the issuer, so a client talking to several cannot be fooled by a mix-up.
  url.searchParams.append("iss", issuer);
  return url.href;
}
