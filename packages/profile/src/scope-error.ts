/**
 * The error a malformed scope produces. The server renders it as OAuth `invalid_scope`
 * (RFC 6749 §5.2), so the code is fixed and the message is written for the client developer.
 */
export class ScopeError extends Error {
  override readonly name = "ScopeError";
  /** The OAuth error code this maps to. */
  readonly code = "invalid_scope";
  /** The offending scope, verbatim. */
  readonly scope: string;
  /** Why it was refused, without the scope itself. */
  readonly reason: string;

  constructor(scope: string, reason: string) {
    super(`invalid scope "${scope}": ${reason}`);
    this.scope = scope;
    this.reason = reason;
  }
}
