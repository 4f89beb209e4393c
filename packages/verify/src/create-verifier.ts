/**
 * The resource-server verifier. For each token, in this order:
 * 1. refuse oversized or non-compact input before parsing anything (16 KiB cap: a real WLCG
 *    token is a few KiB, and the cap bounds the work an attacker can make us do);
 * 2. header rules (`header-rules.ts`) against the global allow-list;
 * 3. read `iss` from the UNVERIFIED payload only to choose a trusted issuer's key set; a token
 *    naming an untrusted issuer is refused even if its `kid` matches a trusted key, and the
 *    signature check below pins `iss` to the issuer whose key verified it;
 * 4. jose verifies the signature against that issuer's keys with that issuer's algorithms, and
 *    checks `iss`, `exp` and `nbf` with the clock skew and the presence of `exp`, `iat`, `sub`;
 * 5. claim rules (`claim-rules.ts`), then the caller's scope requirements (`scope-check.ts`).
 * Every failure is a `TokenError`; nothing else escapes `verify`.
 */
import {
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
  jwtVerify,
  type ProtectedHeaderParameters,
} from "jose";
import { checkClaims } from "./claim-rules.js";
import { checkHeader, SUPPORTED_ALGORITHMS } from "./header-rules.js";
import { createIssuerKeys, type IssuerKeys } from "./issuer-keys.js";
import { toTokenError } from "./jose-errors.js";
import { checkScopes, type Satisfy } from "./scope-check.js";
import { invalidToken } from "./token-error.js";
import { type ResolvedIssuer, resolveOptions, type VerifierOptions } from "./verifier-options.js";

/** Tokens longer than this are refused unparsed. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

export type VerifyOptions = {
  /** Replaces the issuer's configured audiences for this call (the WLCG "any" one still counts). */
  audience?: string | readonly string[];
  requiredScopes?: readonly string[];
  /** Whether all required scopes are needed (the default) or any one of them. */
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

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function createVerifier(options: VerifierOptions): Verifier {
  const config = resolveOptions(options);
  const issuers = new Map<string, { issuer: ResolvedIssuer; keys: IssuerKeys }>();
  for (const issuer of config.issuers) {
    const keys = createIssuerKeys({
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      cacheMaxAgeMs: config.keyCacheMs,
      cooldownMs: config.cooldownMs,
      timeoutMs: config.timeoutMs,
      fetch: config.fetch,
    });
    issuers.set(issuer.issuer, { issuer, keys });
  }

  const verify = async (token: string, verifyOptions: VerifyOptions = {}): Promise<VerifiedToken> => {
    if (typeof token !== "string" || token.length === 0) throw invalidToken("no token");
    if (token.length > MAX_TOKEN_LENGTH)
      throw invalidToken(`the token is longer than ${MAX_TOKEN_LENGTH} bytes`);
    if (!COMPACT_JWS.test(token)) throw invalidToken("the token is not a compact JWS");

    let header: ProtectedHeaderParameters;
    let unverifiedIssuer: unknown;
    try {
      header = decodeProtectedHeader(token);
      checkHeader(header, SUPPORTED_ALGORITHMS);
      unverifiedIssuer = decodeJwt(token).iss;
    } catch (error) {
      throw toTokenError(error);
    }
    const entry = typeof unverifiedIssuer === "string" ? issuers.get(unverifiedIssuer) : undefined;
    if (entry === undefined)
      throw invalidToken(`the issuer ${JSON.stringify(unverifiedIssuer)} is not trusted`);
    const { issuer, keys } = entry;
    checkHeader(header, issuer.algorithms);

    let getKey: Awaited<ReturnType<IssuerKeys["getKey"]>>;
    try {
      getKey = await keys.getKey();
    } catch (error) {
      throw invalidToken(`could not obtain the signing keys of ${issuer.issuer}`, error);
    }

    const now = config.clock();
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, getKey, {
        issuer: issuer.issuer,
        algorithms: [...issuer.algorithms],
        clockTolerance: config.clockToleranceSeconds,
        currentDate: now,
        requiredClaims: ["exp", "iat", "sub"],
      }));
    } catch (error) {
      throw toTokenError(error);
    }

    const { audience } = verifyOptions;
    const checked = checkClaims(claims, {
      audiences:
        audience === undefined ? issuer.audiences : typeof audience === "string" ? [audience] : audience,
      nowSeconds: Math.floor(now.getTime() / 1000),
      clockToleranceSeconds: config.clockToleranceSeconds,
      maxLifetimeSeconds: config.maxLifetimeSeconds,
    });
    checkScopes(checked.scopes, verifyOptions.requiredScopes ?? [], verifyOptions.satisfy ?? "all");
    return { claims, issuer: issuer.issuer, ...checked };
  };

  return { verify };
}
