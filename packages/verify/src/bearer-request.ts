/**
 * Finding the bearer token in an HTTP request (RFC 6750 §2):
 * - only the `Authorization` header (§2.1) is read: `Bearer` (any case), one or more spaces,
 *   then a token68 (RFC 7235 §2.1); another scheme counts as no bearer token at all;
 * - a header that says `Bearer` but carries no well-formed token is `invalid_request` (§3.1);
 * - an `access_token` query parameter (§2.3) is refused as `invalid_request` even beside a
 *   valid header: URLs end up in logs, histories and Referer headers (§5.3), so a service
 *   that quietly ignored it would teach clients to keep leaking tokens;
 * - form-encoded bodies (§2.2) are not read.
 */

export type BearerRequest = {
  /** The `Authorization` header as Node gives it. */
  authorization: string | readonly string[] | undefined;
  /** The request target (path and query). */
  url: string | undefined;
};

export type BearerExtraction =
  | { kind: "token"; token: string }
  | { kind: "none" }
  | { kind: "invalid_request"; description: string };

const BEARER = /^bearer(?: +(.*))?$/i;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

export function extractBearer(request: BearerRequest): BearerExtraction {
  if (hasQueryToken(request.url)) {
    return {
      kind: "invalid_request",
      description: "bearer tokens are not accepted in the query string; use the Authorization header",
    };
  }
  const { authorization } = request;
  const values = typeof authorization === "string" ? [authorization] : (authorization ?? []);
  const bearers = values.map((v) => BEARER.exec(v.trim())).filter((m) => m !== null);
  if (bearers.length === 0) return { kind: "none" };
  const token = bearers.length === 1 ? bearers[0]?.[1]?.trim() : undefined;
  if (token === undefined || !TOKEN68.test(token)) {
    return {
      kind: "invalid_request",
      description: "the Authorization header has no well-formed bearer token",
    };
  }
  return { kind: "token", token };
}

function hasQueryToken(url: string | undefined): boolean {
  const start = url?.indexOf("?") ?? -1;
  if (url === undefined || start === -1) return false;
  const end = url.indexOf("#", start);
  return new URLSearchParams(url.slice(start + 1, end === -1 ? undefined : end)).has("access_token");
}
