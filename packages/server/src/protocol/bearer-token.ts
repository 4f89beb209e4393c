/**
 * Reading the bearer access token a request presents (RFC 6750 §2):
 * - §2.1: the `Authorization: Bearer <token>` header (scheme case-insensitive, token68 syntax);
 * - §2.2: the form-encoded body parameter `access_token` (the caller passes a POST form only);
 * - §2.3: the URI query parameter is refused (`invalid_request`): a token in a URL ends up in
 *   logs, history and Referer headers;
 * - §2.1: "Clients MUST NOT use more than one method", so two methods are `invalid_request`;
 * - §3.1: no token at all is not an error: the caller answers with a bare challenge.
 */
import { OAuthError } from "./oauth-error.js";
import { singleParameters } from "./single-parameters.js";

const BEARER = /^bearer(?: +(.*))?$/i;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

export interface BearerSources {
  authorization: string | undefined;
  /** The parsed form body of a POST; undefined for other requests. */
  form: unknown;
  /** The parsed query string. */
  query: unknown;
}

/** The presented token, or undefined when the request carries none. */
export function presentedBearer(sources: BearerSources): string | undefined {
  const { query } = sources;
  if (typeof query === "object" && query !== null && Object.hasOwn(query, "access_token")) {
    throw new OAuthError("invalid_request", "access tokens are not accepted in the query string");
  }
  const fromForm = singleParameters(sources.form, ["access_token"]).access_token;
  const match = BEARER.exec(sources.authorization ?? "");
  if (!match) return fromForm;
  if (fromForm !== undefined) {
    throw new OAuthError("invalid_request", "the access token was presented in more than one way");
  }
  const token = match[1]?.trim() ?? "";
  if (!TOKEN68.test(token)) throw new OAuthError("invalid_request", "malformed Bearer credentials");
  return token;
}
