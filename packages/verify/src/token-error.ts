/**
 * The one error `verify` throws. Its `code` is an RFC 6750 §3.1 error code, stable so callers
 * can branch on it and render it in `WWW-Authenticate` (see `bearerChallenge`); `description`
 * is for humans and may change wording.
 */
export type TokenErrorCode = "invalid_token" | "insufficient_scope";

export type TokenErrorOptions = {
  /** The scopes that would have sufficed, for the challenge's `scope` attribute. */
  scope?: readonly string[];
  cause?: unknown;
};

export class TokenError extends Error {
  override readonly name = "TokenError";
  readonly code: TokenErrorCode;
  readonly description: string;
  /** RFC 6750 §3.1: 401 for an unusable token, 403 when it lacks scope. */
  readonly status: 401 | 403;
  readonly scope: readonly string[] | undefined;

  constructor(code: TokenErrorCode, description: string, options: TokenErrorOptions = {}) {
    super(`${code}: ${description}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.description = description;
    this.status = code === "insufficient_scope" ? 403 : 401;
    this.scope = options.scope;
  }
}

/** Shorthand for the common case. */
export function invalidToken(description: string, cause?: unknown): TokenError {
  return new TokenError("invalid_token", description, cause === undefined ? {} : { cause });
}
