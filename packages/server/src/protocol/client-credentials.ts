/**
 * Client authentication at the token, introspection and revocation endpoints.
 *
 * - RFC 6749 §2.3.1: `client_secret_basic` is HTTP Basic over the form-urlencoded client_id and
 *   secret (`+` is a space, `%XX` an octet); `client_secret_post` sends them in the body.
 * - RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each
 *   request": Basic together with a body secret or an assertion, or a secret together with an
 *   assertion, is `invalid_request`; so is a body `client_id` that contradicts the Basic one.
 * - RFC 6749 §5.2: a malformed or unsupported authentication is `invalid_client` (401).
 * - RFC 7521 §4.2 / RFC 7523 §2.2: `client_assertion_type` is
 *   `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`; `client_id` is optional, and the
 *   client is then identified by the assertion's `sub` (= `iss`).
 * - RFC 7523 §3 / OIDC Core §9 (`private_key_jwt`): `iss` and `sub` are the client_id; `aud`
 *   identifies the authorization server (its token endpoint URL or issuer); `exp` is required;
 *   `jti` is required and a JWT may be used only once; asymmetric algorithms only (RS256, PS256,
 *   ES256, EdDSA; never HS* or none); 60 s clock skew; short lifetime (≤ 300 s by default).
 *   Every failure is `invalid_client` (RFC 7521 §4.2.1), worded without echoing the assertion.
 *
 * Checking a secret against the stored hash belongs to the client service, not here.
 */
import { createLocalJWKSet, decodeJwt, errors, type JWK, jwtVerify } from "jose";
import { OAuthError } from "./oauth-error.js";

export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
export const CLIENT_ASSERTION_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"] as const;
const CLOCK_SKEW_SECONDS = 60;

export type PresentedCredentials =
  | { method: "client_secret_basic" | "client_secret_post"; clientId: string; secret: string }
  | { method: "private_key_jwt"; clientId: string; assertion: string }
  | { method: "none"; clientId: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** RFC 6749 Appendix B: application/x-www-form-urlencoded decoding of one value. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    throw new OAuthError("invalid_client", "malformed percent-encoding in Basic credentials");
  }
}

function basicCredentials(authorization: string): { clientId: string; secret: string } | undefined {
  const m = /^Basic(?: +(.*))?$/i.exec(authorization.trim());
  if (!m) return undefined; // another scheme (e.g. Bearer) is not client authentication
  const token = (m[1] ?? "").trim();
  if (token === "" || !BASE64.test(token) || token.length % 4 === 1) {
    throw new OAuthError("invalid_client", "malformed Basic credentials");
  }
  const decoded = Buffer.from(token, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw new OAuthError("invalid_client", "malformed Basic credentials");
  const clientId = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (clientId === "" || secret === "") throw new OAuthError("invalid_client", "malformed Basic credentials");
  return { clientId, secret };
}

function assertionClientId(assertion: string): string {
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(assertion);
  } catch {
    throw new OAuthError("invalid_client", "client assertion malformed");
  }
  if (typeof claims.sub !== "string" || claims.sub === "" || claims.iss !== claims.sub) {
    throw new OAuthError("invalid_client", "client assertion iss and sub must both be the client_id");
  }
  return claims.sub;
}

/** Which client the request claims to be and how it proves it; `undefined` when it says nothing. */
export function presentedCredentials(
  authorization: string | undefined,
  params: {
    client_id?: string | undefined;
    client_secret?: string | undefined;
    client_assertion?: string | undefined;
    client_assertion_type?: string | undefined;
  },
): PresentedCredentials | undefined {
  const { client_id: clientId, client_secret: secret, client_assertion: assertion } = params;
  const assertionType = params.client_assertion_type;
  const basic =
    authorization === undefined || authorization === "" ? undefined : basicCredentials(authorization);

  if (basic) {
    if (secret !== undefined || assertion !== undefined || assertionType !== undefined) {
      throw new OAuthError("invalid_request", "more than one client authentication method used");
    }
    if (clientId !== undefined && clientId !== basic.clientId) {
      throw new OAuthError("invalid_request", "client_id does not match the Basic credentials");
    }
    return { method: "client_secret_basic", ...basic };
  }
  if (assertion !== undefined || assertionType !== undefined) {
    if (secret !== undefined) {
      throw new OAuthError("invalid_request", "more than one client authentication method used");
    }
    if (assertion === undefined) throw new OAuthError("invalid_request", "client_assertion missing");
    if (assertionType === undefined) throw new OAuthError("invalid_request", "client_assertion_type missing");
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE) {
      throw new OAuthError("invalid_client", "unsupported client_assertion_type");
    }
    const subject = assertionClientId(assertion);
    if (clientId !== undefined && clientId !== subject) {
      throw new OAuthError("invalid_client", "client assertion sub does not match client_id");
    }
    return { method: "private_key_jwt", clientId: subject, assertion };
  }
  if (secret !== undefined) {
    if (clientId === undefined)
      throw new OAuthError("invalid_request", "client_id required with client_secret");
    return { method: "client_secret_post", clientId, secret };
  }
  if (clientId !== undefined) return { method: "none", clientId };
  return undefined;
}

function assertionFailure(error: unknown): OAuthError {
  if (error instanceof errors.JWTExpired) return new OAuthError("invalid_client", "client assertion expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new OAuthError("invalid_client", `client assertion ${error.claim} claim invalid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new OAuthError("invalid_client", "client assertion algorithm not allowed");
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new OAuthError("invalid_client", "client assertion key not found in the client's JWKS");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new OAuthError("invalid_client", "client assertion signature invalid");
  }
  if (error instanceof errors.JWKSInvalid || error instanceof errors.JWKInvalid) {
    return new OAuthError(
      "invalid_client",
      "client assertion cannot be checked: the client's JWKS is invalid",
    );
  }
  return new OAuthError("invalid_client", "client assertion malformed");
}

/**
 * Verifies a `private_key_jwt` assertion (RFC 7523 §3). `isReplay(jti, expiresAt)` must record the
 * jti and answer whether it was already seen; `expiresAt` is the assertion's `exp` in
 * milliseconds (same unit as `now`), after which the record may be dropped.
 */
export async function verifyClientAssertion(
  assertion: string,
  options: {
    clientId: string;
    audiences: readonly string[];
    jwks: { keys: object[] };
    now: number;
    maxLifetimeSeconds?: number;
    isReplay(jti: string, expiresAt: number): Promise<boolean>;
  },
): Promise<void> {
  const maxLifetime = options.maxLifetimeSeconds ?? 300;
  const nowSeconds = Math.floor(options.now / 1000);
  let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
  try {
    const keySet = createLocalJWKSet({ keys: options.jwks.keys as JWK[] });
    ({ payload } = await jwtVerify(assertion, keySet, {
      algorithms: [...CLIENT_ASSERTION_ALGORITHMS],
      issuer: options.clientId,
      subject: options.clientId,
      audience: [...options.audiences],
      currentDate: new Date(options.now),
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["iss", "sub", "aud", "exp", "jti"],
    }));
  } catch (error) {
    throw assertionFailure(error);
  }
  const { exp, iat, jti } = payload;
  if (typeof exp !== "number") throw new OAuthError("invalid_client", "client assertion exp claim invalid");
  if (typeof jti !== "string" || jti === "") {
    throw new OAuthError("invalid_client", "client assertion jti claim invalid");
  }
  if (iat !== undefined && iat > nowSeconds + CLOCK_SKEW_SECONDS) {
    throw new OAuthError("invalid_client", "client assertion iat claim is in the future");
  }
  const issuedAt = iat ?? nowSeconds;
  if (exp - issuedAt > maxLifetime) {
    throw new OAuthError("invalid_client", `client assertion lifetime exceeds ${maxLifetime} seconds`);
  }
  // Outside the try: a failing replay store is a server error, not a bad assertion.
  if (await options.isReplay(jti, exp * 1000)) {
    throw new OAuthError("invalid_client", "client assertion jti already used");
  }
}
