/**
 * The audiences a token request asks for.
 *
 * - INDIGO IAM `audience` parameter (DESIGN.md §3): space-separated plain strings, accepted at
 *   `/authorize`, `/devicecode` and `/token`. Like scopes, it is split on any run of whitespace
 *   and empty items are ignored (clients send trailing spaces). Each item is 1–256 characters of
 *   visible ASCII (%x21-7E), the same character set as an RFC 6749 §3.3 scope token.
 * - RFC 8707 §2: each `resource` "MUST be an absolute URI, as specified by Section 4.3 of
 *   [RFC3986]" and "MUST NOT include a fragment component"; otherwise `invalid_target`.
 * - WLCG Common JWT Profile: `aud` holds plain strings or URIs; the result keeps request order
 *   (audience items first, then resources) with duplicates removed. The caller substitutes the
 *   profile's default audience when the result is empty.
 */
import { OAuthError } from "./oauth-error.js";

/** Longest accepted `audience` item. */
export const MAX_AUDIENCE_LENGTH = 256;

const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
/** RFC 3986 §3.1 scheme followed by ":". */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** RFC 3986 §2: a URI is made of unreserved, reserved and "%" characters, all visible ASCII. */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

/** A "%" not followed by two hex digits (RFC 3986 §2.1). */
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;

function checkResource(resource: string): void {
  if (
    !URI_CHARACTERS.test(resource) ||
    BAD_PERCENT.test(resource) ||
    !ABSOLUTE_URI.test(resource) ||
    !URL.canParse(resource)
  ) {
    throw new OAuthError("invalid_target", "resource must be an absolute URI");
  }
  if (resource.includes("#")) throw new OAuthError("invalid_target", "resource must not include a fragment");
}

export function requestedAudiences(audience: string | undefined, resources: readonly string[]): string[] {
  const result = new Set<string>();
  for (const item of (audience ?? "").split(/[ \t\r\n\f\v]+/)) {
    if (item === "") continue;
    if (item.length > MAX_AUDIENCE_LENGTH) {
      throw new OAuthError("invalid_request", `audience longer than ${MAX_AUDIENCE_LENGTH} characters`);
    }
    if (!VISIBLE_ASCII.test(item)) {
      throw new OAuthError("invalid_request", "audience must be visible ASCII characters");
    }
    result.add(item);
  }
  for (const resource of resources) {
    checkResource(resource);
    result.add(resource);
  }
  return [...result];
}
