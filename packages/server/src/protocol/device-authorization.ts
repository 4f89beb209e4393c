/**
 * The device authorization endpoint (RFC 8628 §3.1–3.3):
 * - the client authenticates as at the token endpoint (public clients by client_id);
 * - the response always carries `interval` (clients such as PanDA's rely on it) and a
 *   `verification_uri_complete` that carries the user code;
 * - device codes are 256-bit secrets stored hashed; user codes are short, easy to type, and
 *   useless without a signed-in user, a visible confirmation and the rate limits.
 */
import type { Client } from "../domain/clients/client.js";
import type { Clock } from "../domain/clock.js";
import type { DeviceAuthorizationRepository } from "../domain/grants/device-authorization.js";
import { hashSecret, randomSecret } from "../domain/secrets/random-secret.js";
import { requestedAudiences } from "./audience.js";
import {
  authenticateClient,
  CLIENT_AUTH_PARAMETERS,
  type ClientAuthenticationDeps,
} from "./client-authentication.js";
import { GRANT_TYPES } from "./grant-types.js";
import { allowedAudiences } from "./grants/grant-context.js";
import { OAuthError } from "./oauth-error.js";
import { decideScopes, requestedScopes } from "./scope-decision.js";
import { repeatableParameter, singleParameters } from "./single-parameters.js";
import { generateUserCode, normaliseUserCode } from "./user-code.js";

export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export type DeviceAuthorizationEndpoint = ReturnType<typeof createDeviceAuthorizationEndpoint>;

export function createDeviceAuthorizationEndpoint(deps: {
  issuer: string;
  clock: Clock;
  repo: DeviceAuthorizationRepository;
  clientAuthentication: ClientAuthenticationDeps;
  lifetime: number;
  interval: number;
}) {
  return async function deviceAuthorization(authorization: string | undefined, body: unknown) {
    const params = singleParameters(body, [...CLIENT_AUTH_PARAMETERS, "scope", "audience"]);
    const client: Client = await authenticateClient(deps.clientAuthentication, authorization, params);
    if (!client.grantTypes.includes(GRANT_TYPES.deviceCode)) {
      throw new OAuthError("unauthorized_client", "this client may not use the device flow");
    }
    const scope = decideScopes(requestedScopes(params.scope), client.scopes);
    const audiences = allowedAudiences(
      client,
      requestedAudiences(params.audience, repeatableParameter(body, "resource")),
    );
    const deviceCode = randomSecret();
    const now = deps.clock.now();
    const shown = generateUserCode();
    await deps.repo.create({
      deviceCodeHash: hashSecret(deviceCode),
      userCode: normaliseUserCode(shown) as string,
      clientId: client.clientId,
      scope,
      audiences,
      status: "pending",
      accountId: null,
      authTime: null,
      interval: deps.interval,
      lastPolledAt: null,
      createdAt: now,
      expiresAt: now + deps.lifetime * 1000,
    });
    const verificationUri = `${deps.issuer}/device`;
    return {
      device_code: deviceCode,
      user_code: shown,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(shown)}`,
      expires_in: deps.lifetime,
      interval: deps.interval,
    } satisfies DeviceAuthorizationResponse;
  };
}
