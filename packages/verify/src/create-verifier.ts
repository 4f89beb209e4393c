/**
 * The resource-server verifier. For each token, in this order:
 * 1. refuse oversized or non-compact input before parsing anything (16 KiB cap: a real WLCG
 *    token is a few KiB, and the cap bounds the work an attacker can make us do);
 * 2. header rules (`header-rules.ts`);
 * 3. read `iss` from the UNVERIFIED payload only to choose a trusted issuer's key set; a token
 *    naming an untrusted issuer is refused even if its `kid` matches a trusted key, and the
 *    signature check below pins `iss` to the issuer whose key verified it;
 * 4. jose verifies the signature against that issuer's keys and checks `iss`, `exp`, `nbf`
 *    with the clock skew, and the presence of `exp`, `iat` and `sub`;
 * 5. claim rules (`claim-rules.ts`), then the caller's scope requirements (`scope-check.ts`).
 * Every failure is a `TokenError`; nothing else escapes `verify`.
 */
import { checkLifetime, LIFETIMES } from "@tessera/profile";
import { decodeJwt, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from "jose";
import { checkClaims } from "./claim-rules.js";
import {
  checkHeader,
  isSupportedAlgorithm,
  SUPPORTED_ALGORITHMS,
  type VerifierAlgorithm,
} from "./header-rules.js";
import { createIssuerKeys, type FetchLike, type IssuerKeys } from "./issuer-keys.js";
import { checkScopes, type Satisfy } from "./scope-check.js";
import { invalidToken, TokenError } from "./token-error.js";

/** Tokens longer than this are refused unparsed. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

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
  /** Accepted clock skew for `exp`, `nbf` and `iat`; WLCG says 60 s. */
  clockToleranceSeconds?: number;
  /** Longest accepted `exp - iat`; at most the WLCG 6 h, which is the default. */
  maxLifetimeSeconds?: number;
  /** How long fetched keys are trusted; within WLCG's 1 h to 1 d, default 6 h. */
  keyCacheSeconds?: number;
  /** Minimum time between two key refetches triggered by unknown `kid`s; default 30 s. */
  keyRefetchCooldownSeconds?: number;
  /** Timeout for discovery and JWKS requests; default 5 s. */
  fetchTimeoutMs?: number;
  fetch?: FetchLike;
  /** The current time; frozen in tests. */
  clock?: () => Date;
};

export type VerifyOptions = {
  /** Overrides the issuer's configured audiences for this call (the "any" one still counts). */
  audience?: string | readonly string[];
  requiredScopes?: readonly string[];
  /** Whether all required scopes are needed (default) or any one of them. */
  satisfy?: Satisfy;
};

export type VerifiedToken = {
  claims: JWTPayload;
  scopes: string[];
  issuer: string;
  subject: string;
  groups: string[];
};

export type Verifier = { verify: (token: string, options?: VerifyOptions) => Promise<VerifiedToken> };

type IssuerEntry = { config: TrustedIssuer; algorithms: readonly VerifierAlgorithm[]; keys: IssuerKeys };

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function createVerifier(options: VerifierOptions): Verifier {
  const clockTolerance = options.clockToleranceSeconds ?? 60;
  const maxLifetime = options.maxLifetimeSeconds ?? LIFETIMES.accessToken.max;
  const keyCache = options.keyCacheSeconds ?? LIFETIMES.verifierKeyCache.recommended;
  const cooldownMs = (options.keyRefetchCooldownSeconds ?? 30) * 1000;
  const timeoutMs = options.fetchTimeoutMs ?? 5000;
  const clock = options.clock ?? (() => new Date());

  if (!(Number.isFinite(clockTolerance) && clockTolerance >= 0)) {
    throw new RangeError("clockToleranceSeconds must be a non-negative number");
  }
  if (!(maxLifetime > 0 && maxLifetime <= LIFETIMES.accessToken.max)) {
    throw new RangeError(`maxLifetimeSeconds must be in (0, ${LIFETIMES.accessToken.max}] (WLCG maximum)`);
  }
  const keyCacheProblem = checkLifetime("verifierKeyCache", keyCache);
  if (keyCacheProblem !== null) throw new RangeError(keyCacheProblem);
  if (!(cooldownMs >= 0)) throw new RangeError("keyRefetchCooldownSeconds must be non-negative");
  if (options.issuers.length === 0) throw new TypeError("at least one trusted issuer is required");

  const issuers = new Map<string, IssuerEntry>();
  for (const config of options.issuers) {
    if (typeof config.issuer !== "string" || config.issuer.length === 0) {
      throw new TypeError("each trusted issuer needs a non-empty issuer");
    }
    if (issuers.has(config.issuer)) throw new TypeError(`issuer ${config.issuer} is configured twice`);
    const algorithms = config.algorithms ?? SUPPORTED_ALGORITHMS;
    for (const alg of algorithms) {
      if (!isSupportedAlgorithm(alg)) {
        throw new TypeError(`algorithm ${alg} is not allowed; only ${SUPPORTED_ALGORITHMS.join(", ")}`);
      }
    }
    const keys = createIssuerKeys({
      issuer: config.issuer,
      jwksUri: config.jwksUri,
      cacheMaxAgeMs: keyCache * 1000,
      cooldownMs,
      timeoutMs,
      fetch: options.fetch,
    });
    issuers.set(config.issuer, { config, algorithms, keys });
  }

  const verify = async (token: string, verifyOptions: VerifyOptions = {}): Promise<VerifiedToken> => {
    if (typeof token !== "string" || token.length === 0) throw invalidToken("no token");
    if (token.length > MAX_TOKEN_LENGTH)
      throw invalidToken(`the token is longer than ${MAX_TOKEN_LENGTH} bytes`);
    if (!COMPACT_JWS.test(token)) throw invalidToken("the token is not a compact JWS");

    let unverifiedIssuer: unknown;
    try {
      checkHeaderOf(token, undefined);
      unverifiedIssuer = decodeJwt(token).iss;
    } catch (error) {
      throw asTokenError(error);
    }
    const entry = typeof unverifiedIssuer === "string" ? issuers.get(unverifiedIssuer) : undefined;
    if (entry === undefined)
      throw invalidToken(`the issuer ${JSON.stringify(unverifiedIssuer)} is not trusted`);
    checkHeaderOf(token, entry.algorithms);

    let getKey: Awaited<ReturnType<IssuerKeys["getKey"]>>;
    try {
      getKey = await entry.keys.getKey();
    } catch (error) {
      throw invalidToken(`could not obtain the signing keys of ${entry.config.issuer}`, error);
    }

    const now = clock();
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, getKey, {
        issuer: entry.config.issuer,
        algorithms: [...entry.algorithms],
        clockTolerance,
        currentDate: now,
        requiredClaims: ["exp", "iat", "sub"],
      }));
    } catch (error) {
      throw asTokenError(error);
    }

    const requestedAudience = verifyOptions.audience;
    const audiences =
      requestedAudience === undefined
        ? entry.config.audiences
        : typeof requestedAudience === "string"
          ? [requestedAudience]
          : requestedAudience;
    const checked = checkClaims(claims, {
      audiences,
      nowSeconds: Math.floor(now.getTime() / 1000),
      clockToleranceSeconds: clockTolerance,
      maxLifetimeSeconds: maxLifetime,
    });
    checkScopes(checked.scopes, verifyOptions.requiredScopes ?? [], verifyOptions.satisfy ?? "all");
    return { claims, issuer: entry.config.issuer, ...checked };
  };

  return { verify };
}

/** Header rules; before the issuer is known, against the global allow-list. */
function checkHeaderOf(token: string, algorithms: readonly VerifierAlgorithm[] | undefined): void {
  checkHeader(decodeProtectedHeader(token), algorithms ?? SUPPORTED_ALGORITHMS);
}

/** Maps jose's errors to `invalid_token` with a short description; keeps the original as cause. */
function asTokenError(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof errors.JWTExpired) return invalidToken("the token has expired", error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return invalidToken("the token is not yet valid", error);
    return invalidToken(`the ${error.claim} claim is invalid`, error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return invalidToken("the signature is invalid", error);
  if (error instanceof errors.JWKSNoMatchingKey)
    return invalidToken("no trusted key matches the token's kid", error);
  if (error instanceof errors.JWKSMultipleMatchingKeys)
    return invalidToken("the token's kid is ambiguous", error);
  if (error instanceof errors.JOSEAlgNotAllowed) return invalidToken("the algorithm is not allowed", error);
  if (error instanceof errors.JOSEError) return invalidToken("the token is malformed", error);
  if (error instanceof TypeError) return invalidToken("the token is malformed", error);
  return invalidToken("the token could not be verified", error);
}
