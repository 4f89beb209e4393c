/**
 * Redirect URIs: what may be registered, and when a requested one matches.
 *
 * - RFC 6749 §3.1.2: the redirection endpoint URI "MUST be an absolute URI" and "MUST NOT include
 *   a fragment component".
 * - RFC 9700 §2.1 / §4.1.3: redirect URIs are compared by exact string matching: no prefixes,
 *   no wildcards, no case folding, no normalisation (query and percent-encoding included), since
 *   every relaxation has been turned into a code-stealing open redirector. The one exception:
 * - RFC 8252 §7.3 / RFC 9700 §2.1: for loopback redirects (`http` with host `127.0.0.1`, `[::1]`
 *   or `localhost`) "the authorization server MUST allow any port to be specified at the time of
 *   the request"; everything but the port must still be identical.
 * - RFC 8252 §7.1: private-use URI schemes are reverse domain names (a scheme containing a dot,
 *   e.g. `edu.kit.data.oidc-agent:/redirect`).
 * - RFC 9700 §2.1 / §4.1.1 and RFC 8252 §8.3: `https` everywhere, plain `http` only on loopback;
 *   schemes that run or embed content (`javascript:`, `data:`, `file:`, …) are never allowed
 *   (only the allow-list https / loopback http / private-use is accepted).
 * - RFC 3986 §3.2.1 / RFC 9700 §4.1: no userinfo, so `https://a.example@evil.example/` cannot
 *   pass for `a.example`.
 *
 * oidc-agent registers `http://localhost:<port>` and its private-use scheme with
 * `application_type: "web"` (DESIGN.md §3), so both kinds are accepted for web and native
 * clients alike, although OIDC Dynamic Client Registration §2 reserves them for native clients.
 */

/** Longest URI accepted at registration. */
export const MAX_REDIRECT_URI_LENGTH = 2048;

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);
/** RFC 3986 Appendix B, with the scheme required. */
const URI_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(#.*)?$/;
/** Characters that may appear in an RFC 3986 URI (all visible ASCII, no `\`, `"`, `<`, …). */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const HOST_PORT = /^(\[[^\]]*\]|[^:[\]]*)(?::([0-9]*))?$/;

interface UriParts {
  scheme: string;
  /** `undefined` when the URI has no `//authority`. */
  authority: string | undefined;
  /** Path, query and fragment: everything after the authority, verbatim. */
  rest: string;
  fragment: string | undefined;
}

function splitUri(uri: string): UriParts | undefined {
  if (!URI_CHARACTERS.test(uri) || BAD_PERCENT.test(uri)) return undefined;
  const m = URI_PARTS.exec(uri);
  if (!m) return undefined;
  const [, scheme = "", authority, path = "", query, fragment] = m;
  return { scheme, authority, rest: query === undefined ? path : `${path}?${query}`, fragment };
}

function splitAuthority(authority: string): { host: string; port: string | undefined } | undefined {
  if (authority.includes("@")) return undefined;
  const m = HOST_PORT.exec(authority);
  if (!m) return undefined;
  return { host: m[1] ?? "", port: m[2] };
}

function isValidPort(port: string | undefined): boolean {
  return port === undefined || (/^[1-9][0-9]{0,4}$/.test(port) && Number(port) <= 65535);
}

/** `null` when `uri` may be registered as a redirect URI, else why not. */
export function checkRedirectUriForRegistration(
  uri: string,
  applicationType: "web" | "native",
): string | null {
  if (uri.length > MAX_REDIRECT_URI_LENGTH)
    return `redirect_uri longer than ${MAX_REDIRECT_URI_LENGTH} characters`;
  if (uri.includes("*")) return "redirect_uri must not contain wildcards";
  const parts = splitUri(uri);
  if (!parts || !URL.canParse(uri)) return "redirect_uri must be an absolute URI";
  if (parts.fragment !== undefined) return "redirect_uri must not include a fragment";
  const scheme = parts.scheme.toLowerCase();
  if (scheme === "https" || scheme === "http") {
    if (parts.scheme !== scheme) return "redirect_uri scheme must be lower case";
    if (parts.authority === undefined) return "redirect_uri must include a host";
    if (parts.authority.includes("@")) return "redirect_uri must not include userinfo";
    const hostPort = splitAuthority(parts.authority);
    if (!hostPort || hostPort.host === "" || !isValidPort(hostPort.port))
      return "redirect_uri host is malformed";
    if (scheme === "http" && !LOOPBACK_HOSTS.has(hostPort.host)) {
      return `redirect_uri with http is allowed only on loopback (localhost, 127.0.0.1, [::1]) for ${applicationType} clients`;
    }
    return null;
  }
  if (scheme.includes(".")) {
    // RFC 8252 §7.1 private-use scheme; an authority, if any, follows the same userinfo rule.
    if (parts.authority?.includes("@")) return "redirect_uri must not include userinfo";
    return null;
  }
  return `redirect_uri scheme ${scheme} is not allowed (use https, http on loopback, or a reverse-domain private-use scheme)`;
}

function loopbackMatch(registered: string, requested: string): boolean {
  const reg = splitUri(registered);
  const req = splitUri(requested);
  if (!reg || !req || reg.scheme !== "http" || req.scheme !== "http") return false;
  if (reg.fragment !== undefined || req.fragment !== undefined) return false;
  if (reg.authority === undefined || req.authority === undefined) return false;
  const regHost = splitAuthority(reg.authority);
  const reqHost = splitAuthority(req.authority);
  if (!regHost || !reqHost || !LOOPBACK_HOSTS.has(regHost.host) || !isValidPort(reqHost.port)) return false;
  return regHost.host === reqHost.host && reg.rest === req.rest;
}

/** Whether `requested` is one of the `registered` redirect URIs (exact, or loopback with any port). */
export function redirectUriMatches(registered: readonly string[], requested: string): boolean {
  return registered.some((uri) => uri === requested || loopbackMatch(uri, requested));
}
