/**
 * `sub` validation: the profile caps it at 255 ASCII characters, and it is never reassigned,
 * so the issuer must refuse to mint anything else rather than truncate it.
 */

/** Maximum length of `sub` under the WLCG profile. */
export const MAX_SUBJECT_LENGTH = 255;

// Printable ASCII only: control characters in an identifier end up in logs and headers,
// where they cause injection bugs rather than carry meaning.
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** Returns null when `sub` is acceptable, or the reason it is not. */
export function checkSubject(sub: unknown): string | null {
  if (typeof sub !== "string" || sub.length === 0) return "sub must be a non-empty string";
  if (sub.length > MAX_SUBJECT_LENGTH) {
    return `sub is ${sub.length} characters long, more than the maximum of ${MAX_SUBJECT_LENGTH}`;
  }
  if (!PRINTABLE_ASCII.test(sub)) return "sub must contain printable ASCII characters only";
  return null;
}

/** True when `sub` is acceptable under the WLCG profile. */
export function isValidSubject(sub: unknown): sub is string {
  return checkSubject(sub) === null;
}
