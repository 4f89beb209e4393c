import { hasControlCharacters } from "./control-characters.js";

/**
 * The place to send a browser after login or logout, if `requested` is safe: a path on this
 * server, an absolute URL of the issuer's own origin, or one on `allowedDomains` (see below).
 * Anything else (other hosts, protocol-relative `//evil`, backslash tricks, `javascript:`) yields
 * undefined: no open redirect.
 */
export function safeRedirectTarget(
  requested: unknown,
  issuer: string,
  allowedDomains: readonly string[] = [],
): string | undefined {
  if (typeof requested !== "string" || requested.length === 0 || requested.length > 2048) return undefined;
  // Browsers treat "\" like "/" and drop tabs and newlines inside URLs.
  if (requested.includes("\\") || hasControlCharacters(requested)) {
    return undefined;
  }
  const base = new URL(issuer);
  let target: URL;
  try {
    target = new URL(requested, base);
  } catch {
    return undefined;
  }
  if (requested.startsWith("//")) return undefined;
  if (target.origin !== base.origin && !isAllowedElsewhere(target, allowedDomains)) return undefined;
  return target.href;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * An absolute URL on a configured domain (the gateway's `allowedRedirectDomains`): its host is
 * the domain or a subdomain of it (`a.example.org` for `example.org`; never `evilexample.org`),
 * over https (http only on loopback hosts), with no credentials in the URL.
 */
function isAllowedElsewhere(target: URL, allowedDomains: readonly string[]): boolean {
  if (target.username !== "" || target.password !== "") return false;
  const host = target.hostname.toLowerCase();
  if (target.protocol !== "https:" && !(target.protocol === "http:" && LOOPBACK.has(host))) return false;
  return allowedDomains.some((domain) => {
    const d = domain.toLowerCase();
    return d.length > 0 && (host === d || host.endsWith(`.${d}`));
  });
}

/** CSP `form-action` sources that let the login form's redirect reach the allowed domains. */
export function formActionSources(allowedDomains: readonly string[]): string[] {
  return allowedDomains.flatMap((domain) =>
    LOOPBACK.has(domain)
      ? [`http://${domain}:*`, `https://${domain}:*`]
      : [`https://${domain}:*`, `https://*.${domain}:*`],
  );
}
