import type * as oidc from "openid-client";
import type { CachedToken } from "./cache/account-entry.js";

/** The access token of a token endpoint response, with its lifetime pinned to the injected clock. */
export function accessTokenFrom(response: oidc.TokenEndpointResponse, nowMs: number): CachedToken {
  const issuedAt = Math.floor(nowMs / 1000);
  const cached: CachedToken = { token: response.access_token, issuedAt };
  if (typeof response.expires_in === "number") cached.expiresAt = issuedAt + response.expires_in;
  if (typeof response.scope === "string") cached.scope = response.scope;
  return cached;
}

/** True when the token is still valid for at least `minValidSeconds`. A token without expiry counts as valid. */
export function validFor(token: CachedToken | undefined, minValidSeconds: number, nowMs: number): boolean {
  if (!token) return false;
  if (token.expiresAt === undefined) return true;
  return token.expiresAt - nowMs / 1000 >= minValidSeconds;
}

/** Space-separated scope items, split on any run of whitespace, empty items dropped. */
export function splitScopes(values: readonly string[] | string | undefined): string[] {
  const list = typeof values === "string" ? [values] : (values ?? []);
  return [...new Set(list.flatMap((v) => v.split(/\s+/)).filter(Boolean))];
}
