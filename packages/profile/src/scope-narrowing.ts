/**
 * Policy narrowing: the user and client may obtain exactly the scopes some allowed scope
 * implies (paths cover sub-paths). Anything else is left out of the grant, not an error
 * (RFC 6749 §3.3: the server may issue a narrower scope and says so in the response).
 * Malformed requested scopes are dropped too; the server rejects them as invalid_scope
 * before narrowing, and narrowing on its own must still never grant them.
 */

import { scopeImplies } from "./scope-implies.js";
import { formatScope, parseScope } from "./scope-parse.js";

/** The granted scopes, canonical and in request order, without duplicates. */
export function narrowScopes(requested: readonly string[], allowed: readonly string[]): string[] {
  const granted = new Set<string>();
  for (const item of requested) {
    const parsed = parseScope(item);
    if (!parsed.ok) continue;
    if (allowed.some((a) => scopeImplies(a, parsed.value))) granted.add(formatScope(parsed.value));
  }
  return [...granted];
}
