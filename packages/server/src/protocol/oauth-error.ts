/**
 * OAuth error responses.
 *
 * - RFC 6749 §5.2: `error` is one of the registered codes; `error_description` is human-readable
 *   ASCII restricted to %x20-21 / %x23-5B / %x5D-7E (no `"` and no `\`), so any other character
 *   is replaced before the description leaves the server.
 * - RFC 6749 §5.2: 400 for token-endpoint errors, 401 for `invalid_client` (the handler adds
 *   `WWW-Authenticate` when the client used the Authorization header).
 * - RFC 6750 §3.1: `invalid_token` is 401, `insufficient_scope` 403.
 * - RFC 6749 §4.1.2.1: `server_error` / `temporarily_unavailable` exist because a redirect cannot
 *   carry a 500/503; at endpoints that answer directly they map to 500 and 503.
 * - RFC 8628 §3.5 (`authorization_pending`, `slow_down`, `expired_token`), RFC 8707 §2
 *   (`invalid_target`), RFC 7591 §3.2.2 (`invalid_redirect_uri`, `invalid_client_metadata`),
 *   OIDC Core §3.1.2.6 (`login_required`, `consent_required`, `interaction_required`).
 *
 * Descriptions are written for the client developer and must never echo secrets: callers pass
 * fixed text or identifiers, never a presented credential.
 */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "access_denied"
  | "unsupported_response_type"
  | "server_error"
  | "temporarily_unavailable"
  | "authorization_pending"
  | "slow_down"
  | "expired_token"
  | "invalid_target"
  | "invalid_token"
  | "insufficient_scope"
  | "invalid_redirect_uri"
  | "invalid_client_metadata"
  | "login_required"
  | "consent_required"
  | "interaction_required";

const DEFAULT_STATUS: Partial<Record<OAuthErrorCode, number>> = {
  invalid_client: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  server_error: 500,
  temporarily_unavailable: 503,
};

/** Longest description sent; a longer one is cut (it is for people, not for parsing). */
const MAX_DESCRIPTION_LENGTH = 500;

/**
 * Makes a description fit RFC 6749 §5.2's character set: `"` becomes `'`, every other character
 * outside %x20-21 / %x23-5B / %x5D-7E (controls, `\`, non-ASCII) becomes `?`.
 */
export function safeDescription(text: string): string {
  const replaced = text.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/gu, "?");
  return replaced.length > MAX_DESCRIPTION_LENGTH
    ? `${replaced.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`
    : replaced;
}

export class OAuthError extends Error {
  override readonly name = "OAuthError";
  readonly code: OAuthErrorCode;
  readonly description: string;
  readonly status: number;

  constructor(code: OAuthErrorCode, description: string, options?: { status?: number }) {
    const safe = safeDescription(description);
    super(`${code}: ${safe}`);
    this.code = code;
    this.description = safe;
    this.status = options?.status ?? DEFAULT_STATUS[code] ?? 400;
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}
