import * as client from "openid-client";
import type { UpstreamIdentity } from "./identity.js";
import type { OidcProviderConfig } from "./provider-settings.js";
import { type PendingAuthorization, type Upstream, UpstreamError } from "./upstream.js";

const text = (value: unknown): string | null =>
  typeof value === "string" && value.length > 0 ? value.slice(0, 512) : null;

/**
 * An upstream OpenID Connect provider through openid-client: discovery (cached once it
 * succeeds), authorization code with PKCE S256, state and nonce, the ID token validated by the
 * library (signature, iss, aud, exp, nonce), then userinfo for the profile claims.
 */
export function createOidcUpstream(provider: OidcProviderConfig): Upstream {
  let configuration: Promise<client.Configuration> | undefined;

  function discover(): Promise<client.Configuration> {
    const url = new URL(provider.issuer);
    configuration ??= client
      .discovery(
        url,
        provider.clientId,
        undefined,
        client.ClientSecretBasic(provider.clientSecret),
        // Plain http only ever reaches here for loopback addresses (checked in the config).
        url.protocol === "http:" ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        configuration = undefined; // try again next time
        throw new UpstreamError("unavailable", `cannot reach ${provider.name}: ${(error as Error).message}`);
      });
    return configuration;
  }

  return {
    id: provider.id,
    name: provider.name,

    async start(redirectUri) {
      const config = await discover();
      const pending: PendingAuthorization = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        response_type: "code",
        scope: provider.scopes.join(" "),
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: "S256",
      });
      return { url: url.href, pending };
    },

    async finish(callback, pending) {
      const config = await discover();
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(config, callback, {
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          pkceCodeVerifier: pending.codeVerifier,
          idTokenExpected: true,
        });
      } catch (error) {
        if (error instanceof client.AuthorizationResponseError)
          throw new UpstreamError("access_denied", `${provider.name} answered ${error.error}`);
        throw new UpstreamError("invalid_response", `${provider.name}: ${(error as Error).message}`);
      }
      const idClaims = tokens.claims();
      if (!idClaims) throw new UpstreamError("invalid_response", `${provider.name} sent no ID token`);
      let claims: Record<string, unknown> = { ...idClaims };
      if (config.serverMetadata().userinfo_endpoint) {
        try {
          const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
          claims = { ...info, ...idClaims };
        } catch (error) {
          throw new UpstreamError(
            "invalid_response",
            `${provider.name} userinfo: ${(error as Error).message}`,
          );
        }
      }
      const identity: UpstreamIdentity = {
        provider: provider.id,
        subject: idClaims.sub,
        email: text(claims.email),
        emailVerified: claims.email_verified === true,
        name: text(claims.name),
        preferredUsername: text(claims.preferred_username),
        groups: [],
      };
      return identity;
    },
  };
}
