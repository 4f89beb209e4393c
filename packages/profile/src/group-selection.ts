/**
 * Which groups go into `wlcg.groups` (WLCG profile, "Group membership"):
 * - no group scope requested: no claim at all (null);
 * - `wlcg.groups:/g` adds `/g` if the user is a member; this is the only way an optional
 *   group appears, because optional groups are ones the user shows only when asked to;
 * - bare `wlcg.groups` adds the user's default (non-optional) groups;
 * - a bare `wlcg.groups` is implied at the end whenever any group scope is present;
 * - the result keeps request order and has no duplicates.
 * A group the user is not a member of is silently left out, like any scope not granted.
 */
import { parseScope } from "./scope-parse.js";

export type GroupMembership = { group: string; optional: boolean };

/** Selects the `wlcg.groups` claim; null means the claim must be absent. */
export function selectGroups(
  requestedScopes: readonly string[],
  memberships: readonly GroupMembership[],
): string[] | null {
  const memberOf = new Set(memberships.map((m) => m.group));
  const defaults = memberships.filter((m) => !m.optional).map((m) => m.group);
  const selected = new Set<string>();
  let anyGroupScope = false;

  for (const item of requestedScopes) {
    const parsed = parseScope(item);
    // Malformed group scopes are the caller's invalid_scope to report; here they select nothing.
    if (!parsed.ok || parsed.value.kind !== "groups") continue;
    anyGroupScope = true;
    const { group } = parsed.value;
    if (group === undefined) {
      for (const g of defaults) selected.add(g);
    } else if (memberOf.has(group)) {
      selected.add(group);
    }
  }
  if (!anyGroupScope) return null;
  for (const g of defaults) selected.add(g);
  return [...selected];
}
