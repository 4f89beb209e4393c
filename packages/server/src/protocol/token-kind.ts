/**
 * Telling Tessera's two kinds of presented token apart (RFC 7662 §2.1, RFC 7009 §2.1):
 * - the `token_type_hint` is only a hint: "If the server is unable to locate the token using the
 *   given hint, it MUST extend its search across all of its supported token types", so the
 *   token's own form decides, and the hint is read (once, RFC 6749 §3.2) but never trusted;
 * - access tokens are JWTs (three dot-separated parts); refresh tokens are opaque secrets with no
 *   dot, looked up by their SHA-256 hash.
 */
export type TokenKind = "access_token" | "refresh_token";

export function tokenKind(token: string): TokenKind {
  return token.includes(".") ? "access_token" : "refresh_token";
}
