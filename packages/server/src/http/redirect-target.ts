import { hasControlCharacters } from "./control-characters.js";

/**
 * The place to send a browser after login or logout, if `requested` is safe: a path on this
 * server or an absolute URL of the issuer's own origin. Anything else (other hosts,
 * protocol-relative `//evil`, backslash tricks, `javascript:`) yields undefined: no open redirect.
 */
export function safeRedirectTarget(requested: unknown, issuer: string): string | undefined {
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
  if (target.origin !== base.origin) return undefined;
  if (requested.startsWith("//")) return undefined;
  return target.href;
}
