/**
 * Scope implication: does holding `held` allow what `required` asks for?
 * - storage: the same capability, or `storage.modify` for `storage.create`, or `storage.stage`
 *   for `storage.read` (WLCG profile), and the held path covers the required path;
 * - compute: exactly the same capability (no compute capability implies another);
 * - everything else: the same scope.
 *
 * A held scope must be valid: a malformed scope in a token grants nothing. A required storage
 * scope may carry an unresolved path (`/atlas/../cms/x`), because resource servers build it
 * from the request path; it is resolved the way `pathCovers` resolves requested paths.
 */
import { isStorageCapability, type Scope, type StorageCapability } from "./scope.js";
import { formatScope, parseScope } from "./scope-parse.js";
import { pathCovers } from "./storage-path.js";

/** The capabilities each storage capability grants, itself included. */
const STORAGE_IMPLIES: Readonly<Record<StorageCapability, readonly StorageCapability[]>> = {
  "storage.read": ["storage.read"],
  "storage.modify": ["storage.modify", "storage.create"],
  "storage.create": ["storage.create"],
  "storage.stage": ["storage.stage", "storage.read"],
};

/** True when a storage capability grants another one (regardless of paths). */
export function capabilityImplies(held: StorageCapability, required: StorageCapability): boolean {
  return STORAGE_IMPLIES[held].includes(required);
}

/** True when holding `held` satisfies `required`. Never throws; malformed input is `false`. */
export function scopeImplies(held: string | Scope, required: string | Scope): boolean {
  const h = toScope(held);
  if (h === null) return false;
  if (h.kind === "storage") {
    const r = typeof required === "string" ? storageParts(required) : required;
    if (r === null || r.kind !== "storage") return false;
    return capabilityImplies(h.capability, r.capability) && pathCovers(h.path, r.path);
  }
  const r = toScope(required);
  if (r === null) return false;
  // Canonical forms compare equal exactly when the scopes mean the same thing
  // (`wlcg` and `wlcg:1.0`, for example).
  return formatScope(h) === formatScope(r);
}

function toScope(scope: string | Scope): Scope | null {
  if (typeof scope !== "string") return scope;
  const parsed = parseScope(scope);
  return parsed.ok ? parsed.value : null;
}

/** Lenient reading of a required storage scope: capability and raw path, or null. */
function storageParts(scope: string): Scope | null {
  const colon = scope.indexOf(":");
  if (colon === -1) return null;
  const head = scope.slice(0, colon);
  const path = scope.slice(colon + 1);
  if (!isStorageCapability(head) || !path.startsWith("/")) return null;
  return { kind: "storage", capability: head, path };
}
