/**
 * Which scopes a request gets (DESIGN §3, WLCG profile):
 * - scope strings are split on any run of whitespace, empty items ignored (PanDA sends a
 *   trailing space);
 * - a scope that breaks the WLCG grammar (`storage.read` without a path, `wlcg:2.0`,
 *   `compute.create:/x`) is an error: invalid_scope;
 * - a well-formed scope the client (and, with the registry, the user's policy) may not obtain is
 *   left out, not an error; parametric scopes are granted for any sub-path of an allowed one;
 * - with no scope parameter the request gets everything the client is allowed.
 */
import { narrowScopes, parseScope, splitScopeString } from "@tessera/profile";
import { OAuthError } from "./oauth-error.js";

export function requestedScopes(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const items = splitScopeString(scope);
  for (const item of items) {
    const parsed = parseScope(item);
    if (!parsed.ok) throw new OAuthError("invalid_scope", `${item}: ${parsed.error.message}`);
  }
  return items;
}

export function decideScopes(requested: readonly string[] | undefined, allowed: readonly string[]): string[] {
  if (requested === undefined) return [...allowed];
  // A client allowed `wlcg.groups` may ask for any `wlcg.groups:/g`; membership decides the claim.
  const groupScopes = allowed.includes("wlcg.groups")
    ? requested.filter((s) => s.startsWith("wlcg.groups:"))
    : [];
  return narrowScopes(requested, [...allowed, ...groupScopes]);
}
