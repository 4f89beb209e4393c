export {
  type AdapterOptions,
  type AuthOutcome,
  authenticateRequest,
  type Refusal,
  type RouteRequirements,
} from "./authenticate-request.js";
export {
  bearerChallenge,
  type ChallengeError,
  type ChallengeOptions,
  DEFAULT_REALM,
} from "./bearer-challenge.js";
export { type BearerExtraction, type BearerRequest, extractBearer } from "./bearer-request.js";
export { type CheckedClaims, checkClaims } from "./claim-rules.js";
export {
  createVerifier,
  MAX_TOKEN_LENGTH,
  type VerifiedToken,
  type Verifier,
  type VerifyOptions,
} from "./create-verifier.js";
export { isAcceptedTyp, SUPPORTED_ALGORITHMS, type VerifierAlgorithm } from "./header-rules.js";
export { type ComputeAction, createIdentity, type TesseraIdentity } from "./identity.js";
export { discoveryUrl, type FetchLike } from "./issuer-keys.js";
export { checkScopes, missingScopes, type Satisfy } from "./scope-check.js";
export { TokenError, type TokenErrorCode, type TokenErrorOptions } from "./token-error.js";
export type { TrustedIssuer, VerifierOptions } from "./verifier-options.js";
