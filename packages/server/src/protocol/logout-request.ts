/**
 * The logout request of OpenID Connect RP-Initiated Logout 1.0 (§2, §3):
 * - `id_token_hint`, when present, must be an ID token this server issued (id-token-hint.ts);
 *   a hint that does not verify is an error, never ignored;
 * - the client is the hint's `azp` (else its single `aud`) or `client_id`; when both are given
 *   they must agree (`client_id` equal to `azp`, or among the audiences when there is no `azp`);
 * - `post_logout_redirect_uri` needs a client to check it against, and must exactly match one
 *   of the URIs that client registered (§3.1: "MUST NOT perform post-logout redirection" to an
 *   unregistered one); no loopback or other relaxation;
 * - `state` is returned with the redirect (§2), and only with it.
 * Errors are OAuthErrors to show to the user: there is no verified place to send them.
 */
import type { Client } from "../domain/clients/client.js";
import type { IdTokenHint } from "./id-token-hint.js";
import { OAuthError } from "./oauth-error.js";
import { singleParameters } from "./single-parameters.js";

export const LOGOUT_PARAMETERS = [
  "id_token_hint",
  "client_id",
  "post_logout_redirect_uri",
  "state",
  "logout_hint",
  "ui_locales",
] as const;

export interface LogoutRequest {
  client: Client | undefined;
  /** Registered for `client`; where to go after logout, `state` already added. */
  redirectTo: string | undefined;
  /** The parameters as received, to replay (and validate again) from the confirmation form. */
  parameters: Record<string, string>;
}

export interface LogoutRequestDeps {
  verifyIdTokenHint(token: string): Promise<IdTokenHint | undefined>;
  findClient(clientId: string): Promise<Client | undefined>;
}

/** Whether a body carries any RP-initiated logout parameter (a relying party posted it). */
export function hasLogoutParameters(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  return LOGOUT_PARAMETERS.some((name) => Object.hasOwn(body, name));
}

function clientIdOf(hint: IdTokenHint | undefined, clientId: string | undefined): string | undefined {
  if (!hint) return clientId;
  const fromHint = hint.azp ?? (hint.audiences.length === 1 ? hint.audiences[0] : undefined);
  if (clientId === undefined) return fromHint;
  const agrees = hint.azp !== undefined ? hint.azp === clientId : hint.audiences.includes(clientId);
  if (!agrees) throw new OAuthError("invalid_request", "client_id does not match the id_token_hint");
  return clientId;
}

export async function validateLogoutRequest(input: unknown, deps: LogoutRequestDeps): Promise<LogoutRequest> {
  const params = singleParameters(input, LOGOUT_PARAMETERS);
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) if (value !== undefined) parameters[name] = value;

  let hint: IdTokenHint | undefined;
  if (params.id_token_hint !== undefined) {
    hint = await deps.verifyIdTokenHint(params.id_token_hint);
    if (!hint) throw new OAuthError("invalid_request", "id_token_hint is not an ID token issued here");
  }
  const clientId = clientIdOf(hint, params.client_id);
  const client = clientId === undefined ? undefined : await deps.findClient(clientId);
  if (clientId !== undefined && !client) throw new OAuthError("invalid_client", "unknown client");

  const uri = params.post_logout_redirect_uri;
  if (uri === undefined) return { client, redirectTo: undefined, parameters };
  if (!client) {
    throw new OAuthError("invalid_request", "post_logout_redirect_uri needs id_token_hint or client_id");
  }
  if (!client.postLogoutRedirectUris.includes(uri)) {
    throw new OAuthError("invalid_request", "post_logout_redirect_uri is not registered for this client");
  }
  if (params.state === undefined || !URL.canParse(uri)) return { client, redirectTo: uri, parameters };
  const target = new URL(uri);
  target.searchParams.append("state", params.state);
  return { client, redirectTo: target.href, parameters };
}
