/**
 * Options of `createVerifier`, their defaults, and the checks applied once at construction so
 * that a misconfigured verifier fails at start rather than accepting tokens it should not:
 * algorithms only from RS256/ES256, lifetimes within the WLCG bounds, issuers unique.
 */
import { checkLifetime, LIFETIMES } from "@tessera/profile";
import { isSupportedAlgorithm, SUPPORTED_ALGORITHMS, type VerifierAlgorithm } from "./header-rules.js";
import type { FetchLike } from "./issuer-keys.js";

export type TrustedIssuer = {
  /** The exact `iss` value. */
  issuer: string;
  /** Audiences accepted from this issuer besides the WLCG "any" audience; none means any. */
  audiences?: readonly string[];
  /** The JWKS location; discovered from the issuer when absent. */
  jwksUri?: string;
  /** Allowed signature algorithms, a subset of RS256 and ES256 (the default: both). */
  algorithms?: readonly VerifierAlgorithm[];
};

export type VerifierOptions = {
  issuers: readonly TrustedIssuer[];
  /** Accepted clock skew for `exp`, `nbf` and `iat`; default 60 s (WLCG). */
  clockToleranceSeconds?: number;
  /** Longest accepted `exp - iat`; default and upper bound the WLCG 6 h. */
  maxLifetimeSeconds?: number;
  /** How long fetched keys are trusted; within WLCG's 1 h to 1 d, default 6 h. */
  keyCacheSeconds?: number;
  /** Minimum time between two key fetches triggered by unknown `kid`s; default 30 s. */
  keyRefetchCooldownSeconds?: number;
  /** Timeout for discovery and JWKS requests; default 5000 ms. */
  fetchTimeoutMs?: number;
  /** The fetch used for discovery and JWKS; default the global one. */
  fetch?: FetchLike;
  /** The current time, for token validity; frozen in tests. */
  clock?: () => Date;
};

export type ResolvedIssuer = TrustedIssuer & { algorithms: readonly VerifierAlgorithm[] };

export type ResolvedOptions = {
  issuers: readonly ResolvedIssuer[];
  clockToleranceSeconds: number;
  maxLifetimeSeconds: number;
  keyCacheMs: number;
  cooldownMs: number;
  timeoutMs: number;
  fetch: FetchLike | undefined;
  clock: () => Date;
};

/** Applies defaults and refuses unsafe configurations (throws TypeError or RangeError). */
export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  const clockToleranceSeconds = options.clockToleranceSeconds ?? 60;
  const maxLifetimeSeconds = options.maxLifetimeSeconds ?? LIFETIMES.accessToken.max;
  const keyCacheSeconds = options.keyCacheSeconds ?? LIFETIMES.verifierKeyCache.recommended;
  const cooldownSeconds = options.keyRefetchCooldownSeconds ?? 30;
  const timeoutMs = options.fetchTimeoutMs ?? 5000;

  if (!(Number.isFinite(clockToleranceSeconds) && clockToleranceSeconds >= 0)) {
    throw new RangeError("clockToleranceSeconds must be a non-negative number");
  }
  if (!(maxLifetimeSeconds > 0 && maxLifetimeSeconds <= LIFETIMES.accessToken.max)) {
    throw new RangeError(
      `maxLifetimeSeconds must be in (0, ${LIFETIMES.accessToken.max}] (the WLCG maximum)`,
    );
  }
  const keyCacheProblem = checkLifetime("verifierKeyCache", keyCacheSeconds);
  if (keyCacheProblem !== null) throw new RangeError(keyCacheProblem);
  if (!(Number.isFinite(cooldownSeconds) && cooldownSeconds >= 0)) {
    throw new RangeError("keyRefetchCooldownSeconds must be a non-negative number");
  }
  if (!(Number.isInteger(timeoutMs) && timeoutMs > 0))
    throw new RangeError("fetchTimeoutMs must be a positive integer");
  if (options.issuers.length === 0) throw new TypeError("at least one trusted issuer is required");

  const seen = new Set<string>();
  const issuers = options.issuers.map((config): ResolvedIssuer => {
    if (typeof config.issuer !== "string" || config.issuer.length === 0) {
      throw new TypeError("each trusted issuer needs a non-empty issuer");
    }
    if (seen.has(config.issuer)) throw new TypeError(`issuer ${config.issuer} is configured twice`);
    seen.add(config.issuer);
    const algorithms = config.algorithms ?? SUPPORTED_ALGORITHMS;
    if (algorithms.length === 0) throw new TypeError(`issuer ${config.issuer} allows no algorithm`);
    for (const alg of algorithms) {
      if (!isSupportedAlgorithm(alg)) {
        throw new TypeError(`algorithm ${alg} is not allowed; only ${SUPPORTED_ALGORITHMS.join(", ")}`);
      }
    }
    return { ...config, algorithms };
  });

  return {
    issuers,
    clockToleranceSeconds,
    maxLifetimeSeconds,
    keyCacheMs: keyCacheSeconds * 1000,
    cooldownMs: cooldownSeconds * 1000,
    timeoutMs,
    fetch: options.fetch,
    clock: options.clock ?? (() => new Date()),
  };
}
