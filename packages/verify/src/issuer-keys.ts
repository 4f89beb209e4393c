/**
 * One cached key set per trusted issuer.
 * - The JWKS location is configured (`jwksUri`) or discovered once from
 *   `<issuer>/.well-known/openid-configuration`, whose `issuer` must equal the configured one
 *   (OpenID Connect Discovery §4.3), so a mix-up cannot hand us another issuer's keys.
 * - Keys are fetched and cached by jose's remote JWKS: kept for the key-cache lifetime
 *   (WLCG: 6 h recommended, 1 h to 1 d), refetched early when a token names an unknown `kid`
 *   (key rotation), but at most once per cooldown so unknown kids cannot make us hammer the
 *   issuer.
 * - Keys come only from here: `jku`, `x5u`, `jwk` and `x5c` headers are never looked at.
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from "jose";

export type FetchLike = typeof fetch;

export type IssuerKeysOptions = {
  issuer: string;
  jwksUri?: string | undefined;
  cacheMaxAgeMs: number;
  cooldownMs: number;
  timeoutMs: number;
  fetch?: FetchLike | undefined;
};

export type IssuerKeys = { getKey: () => Promise<JWTVerifyGetKey> };

/** Where an issuer's discovery document lives (OpenID Connect Discovery §4.1). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

export function createIssuerKeys(options: IssuerKeysOptions): IssuerKeys {
  const fetchImpl = options.fetch ?? fetch;
  let keySet: Promise<JWTVerifyGetKey> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  let lastFailure: unknown;

  const build = async (): Promise<JWTVerifyGetKey> => {
    const uri = options.jwksUri ?? (await discoverJwksUri(options.issuer, fetchImpl, options.timeoutMs));
    return createRemoteJWKSet(new URL(uri), {
      cacheMaxAge: options.cacheMaxAgeMs,
      cooldownDuration: options.cooldownMs,
      timeoutDuration: options.timeoutMs,
      [customFetch]: fetchImpl,
    });
  };

  return {
    getKey: () => {
      // After a failed discovery, wait out the cooldown before asking again, for the same
      // reason jose rate-limits JWKS refetches.
      if (keySet === undefined && Date.now() - failedAt < options.cooldownMs) {
        return Promise.reject(lastFailure);
      }
      keySet ??= build().catch((error: unknown) => {
        keySet = undefined;
        failedAt = Date.now();
        lastFailure = error;
        throw error;
      });
      return keySet;
    },
  };
}

async function discoverJwksUri(issuer: string, fetchImpl: FetchLike, timeoutMs: number): Promise<string> {
  const url = discoveryUrl(issuer);
  const response = await fetchImpl(url, {
    headers: { accept: "application/json" },
    redirect: "manual",
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) throw new Error(`discovery at ${url} answered HTTP ${response.status}`);
  const document: unknown = await response.json();
  if (typeof document !== "object" || document === null)
    throw new Error(`discovery at ${url} is not a JSON object`);
  const { issuer: advertised, jwks_uri: jwksUri } = document as Record<string, unknown>;
  if (advertised !== issuer) {
    throw new Error(`discovery at ${url} names issuer ${JSON.stringify(advertised)}, expected ${issuer}`);
  }
  if (typeof jwksUri !== "string" || !URL.canParse(jwksUri)) {
    throw new Error(`discovery at ${url} has no valid jwks_uri`);
  }
  return jwksUri;
}
