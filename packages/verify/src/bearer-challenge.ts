/**
 * Formats a `WWW-Authenticate` value for the Bearer scheme (RFC 6750 §3). Values are HTTP
 * quoted-strings: `"` and `\` are escaped, and anything outside printable ASCII (including
 * CR/LF, which would split the header) is replaced, since descriptions may quote token data.
 */
import type { TokenErrorCode } from "./token-error.js";

/** A token error, or `invalid_request` (RFC 6750 §3.1) for a malformed request. */
export type ChallengeError = {
  code: TokenErrorCode | "invalid_request";
  description: string;
  scope?: readonly string[] | undefined;
};

export type ChallengeOptions = { realm?: string };

export const DEFAULT_REALM = "tessera";

export function bearerChallenge(error?: ChallengeError, options: ChallengeOptions = {}): string {
  const params: [string, string][] = [["realm", options.realm ?? DEFAULT_REALM]];
  if (error !== undefined) {
    params.push(["error", error.code]);
    if (error.description.length > 0) params.push(["error_description", error.description]);
    if (error.scope !== undefined && error.scope.length > 0) params.push(["scope", error.scope.join(" ")]);
  }
  return `Bearer ${params.map(([name, value]) => `${name}=${quote(value)}`).join(", ")}`;
}

function quote(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  return `"${printable.replace(/["\\]/g, "\\$&")}"`;
}
