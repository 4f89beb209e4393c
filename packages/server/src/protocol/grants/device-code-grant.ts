/**
 * RFC 8628 §3.4–3.5 device access token request:
 * - `authorization_pending` while the user has not decided; `slow_down` (and a 5 s longer
 *   interval from then on) when polled faster than the interval; `access_denied`;
 *   `expired_token` after expiry; a device code yields tokens once;
 * - the device code is bound to the client that asked for it.
 */
import { hashSecret } from "../../domain/secrets/random-secret.js";
import { OAuthError } from "../oauth-error.js";
import type { TokenResponse } from "../token-issuer.js";
import { activeAccount, type GrantDeps, type GrantRequest, required } from "./grant-context.js";

export async function deviceCodeGrant(deps: GrantDeps, request: GrantRequest): Promise<TokenResponse> {
  const { client, params } = request;
  const hash = hashSecret(required(params, "device_code"));
  const authorization = await deps.deviceAuthorizations.findByDeviceCode(hash);
  if (!authorization || authorization.clientId !== client.clientId) {
    throw new OAuthError("invalid_grant", "unknown device code");
  }
  const now = deps.clock.now();
  if (now >= authorization.expiresAt) throw new OAuthError("expired_token", "the device code has expired");
  switch (authorization.status) {
    case "pending": {
      const tooSoon =
        authorization.lastPolledAt !== null &&
        now - authorization.lastPolledAt < authorization.interval * 1000;
      const interval = tooSoon ? authorization.interval + 5 : authorization.interval;
      await deps.deviceAuthorizations.recordPoll(hash, now, interval);
      if (tooSoon) throw new OAuthError("slow_down", `poll at most every ${interval} seconds`);
      throw new OAuthError("authorization_pending", "the user has not yet approved the request");
    }
    case "denied":
      throw new OAuthError("access_denied", "the user denied the request");
    case "consumed":
      throw new OAuthError("invalid_grant", "the device code has already been used");
    case "approved": {
      if (!authorization.accountId || !(await deps.deviceAuthorizations.consume(hash))) {
        throw new OAuthError("invalid_grant", "the device code has already been used");
      }
      const account = await activeAccount(deps.accounts, authorization.accountId, deps.clock.now());
      return deps.issuer.issue({
        client,
        account,
        scope: authorization.scope,
        audiences: authorization.audiences,
        authTime: authorization.authTime ?? now,
      });
    }
  }
}
