/**
 * Storage paths. Two different jobs live here:
 *
 * - `checkScopePath` validates the path written in a storage scope. The profile requires it to
 *   be absolute and normalised, so anything that would need resolving (`.`, `..`, `//`, or the
 *   same written with percent-encoding) is refused rather than silently rewritten: the user
 *   should see the scope they will get. A single trailing slash is the one thing tolerated and
 *   dropped, because `/cms/` and `/cms` name the same directory.
 * - `pathCovers` answers "does a grant on this path allow that path?". The requested path may
 *   come from a storage request, so it is percent-decoded and resolved first, exactly as the
 *   storage system would, and compared by whole segment (`/cms` never covers `/cmsx`).
 */

/** Result of checking a scope path: the canonical path, or the reason it is invalid. */
export type ScopePathCheck = { ok: true; path: string } | { ok: false; reason: string };

/** Validates the path part of a storage scope and returns its canonical form. */
export function checkScopePath(path: string): ScopePathCheck {
  if (path.length === 0) return { ok: false, reason: "storage scope with an empty path" };
  if (!path.startsWith("/")) return { ok: false, reason: `relative path "${path}" (must start with /)` };
  if (path === "/") return { ok: true, path };
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  for (const segment of trimmed.slice(1).split("/")) {
    const decoded = decodeSegment(segment);
    if (decoded === null) return { ok: false, reason: `invalid percent-encoding in path "${path}"` };
    if (segment.length === 0 || decoded === "." || decoded === ".." || decoded.includes("/")) {
      return { ok: false, reason: `path not normalised: "${path}"` };
    }
  }
  return { ok: true, path: trimmed };
}

/**
 * Percent-decodes and resolves an absolute path: empty and `.` segments vanish, `..` removes
 * the previous segment (never climbing above `/`), and a trailing slash is dropped. Returns
 * null for a relative path or broken percent-encoding, which callers treat as "not covered".
 */
export function normalisePath(path: string): string | null {
  if (!path.startsWith("/")) return null;
  let decoded: string;
  try {
    // Decode once, before resolving, so `%2e%2e` is a `..` segment here as it would be at
    // the storage endpoint; deciding coverage on the encoded form is the classic bypass.
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const resolved: string[] = [];
  for (const segment of decoded.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") resolved.pop();
    else resolved.push(segment);
  }
  return `/${resolved.join("/")}`;
}

/** Splits a normalised path into its segments (`/` has none). */
export function pathSegments(normalised: string): string[] {
  return normalised === "/" ? [] : normalised.slice(1).split("/");
}

/** True when a grant on `granted` allows access to `requested` (whole-segment prefix). */
export function pathCovers(granted: string, requested: string): boolean {
  const g = normalisePath(granted);
  const r = normalisePath(requested);
  if (g === null || r === null) return false;
  const gs = pathSegments(g);
  const rs = pathSegments(r);
  if (gs.length > rs.length) return false;
  return gs.every((segment, i) => segment === rs[i]);
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
