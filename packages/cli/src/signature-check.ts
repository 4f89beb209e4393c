import { createRemoteJWKSet, errors, jwtVerify } from "jose";

export type SignatureStatus =
  | { status: "valid"; note?: string }
  | { status: "invalid"; reason: string }
  | { status: "not checked"; reason: string };

const ALGORITHMS = ["RS256", "ES256"];

/**
 * Verifies a JWT's signature against its issuer's JWKS (found through the issuer's discovery
 * document). Only RS256 and ES256 are accepted, as the WLCG profile asks. An unreachable issuer
 * is "not checked", never "invalid"; expiry and other claim problems are reported beside a valid
 * signature, since the signature itself was checked first.
 */
export async function checkSignature(
  token: string,
  issuer: unknown,
  timeoutMs = 5000,
): Promise<SignatureStatus> {
  if (typeof issuer !== "string" || !/^https?:\/\//.test(issuer)) {
    return { status: "not checked", reason: "no usable iss claim" };
  }
  let jwksUri: string | undefined;
  try {
    jwksUri = await findJwksUri(issuer, timeoutMs);
  } catch {
    return { status: "not checked", reason: "issuer unreachable" };
  }
  if (!jwksUri) return { status: "not checked", reason: "the issuer publishes no jwks_uri" };
  const jwks = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: timeoutMs });
  try {
    await jwtVerify(token, jwks, { algorithms: ALGORITHMS });
    return { status: "valid" };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { status: "valid", note: "but the token has expired" };
    if (error instanceof errors.JWTClaimValidationFailed)
      return { status: "valid", note: `but ${error.message}` };
    if (error instanceof errors.JWSSignatureVerificationFailed)
      return { status: "invalid", reason: "bad signature" };
    if (error instanceof errors.JWKSNoMatchingKey) {
      return { status: "invalid", reason: "no key of the issuer matches the token's kid" };
    }
    if (error instanceof errors.JOSEAlgNotAllowed)
      return { status: "invalid", reason: "algorithm not allowed" };
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
      return { status: "invalid", reason: error.message };
    }
    return { status: "not checked", reason: "issuer unreachable" };
  }
}

async function findJwksUri(issuer: string, timeoutMs: number): Promise<string | undefined> {
  const base = issuer.replace(/\/+$/, "");
  let lastError: unknown;
  for (const wellKnown of ["openid-configuration", "oauth-authorization-server"]) {
    try {
      const response = await fetch(`${base}/.well-known/${wellKnown}`, {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: "application/json" },
      });
      if (!response.ok) continue;
      const metadata = (await response.json()) as { jwks_uri?: unknown };
      return typeof metadata.jwks_uri === "string" ? metadata.jwks_uri : undefined;
    } catch (error) {
      lastError = error;
    }
  }
  if (lastError) throw lastError;
  return undefined;
}
