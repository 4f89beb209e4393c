/**
 * Maps jose's errors to `invalid_token` with a short description fit for `WWW-Authenticate`.
 * The original error is kept as `cause` for logs; its message is not shown to the client.
 */
import { errors } from "jose";
import { invalidToken, TokenError } from "./token-error.js";

export function toTokenError(error: unknown): TokenError {
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
  // Anything else from jose, or a TypeError from decoding, means the token is malformed.
  if (error instanceof errors.JOSEError || error instanceof TypeError) {
    return invalidToken("the token is malformed", error);
  }
  return invalidToken("the token could not be verified", error);
}
