/**
 * The parsed shape of a scope. One variant per family the WLCG profile gives meaning to;
 * everything else (`openid`, `offline_access`, site scopes) is `other` and compared verbatim.
 */

/** Storage capabilities; each scope of this family carries a path. */
export const STORAGE_CAPABILITIES = [
  "storage.read",
  "storage.modify",
  "storage.create",
  "storage.stage",
] as const;
export type StorageCapability = (typeof STORAGE_CAPABILITIES)[number];

/** Compute capabilities; these take no path. */
export const COMPUTE_CAPABILITIES = [
  "compute.read",
  "compute.modify",
  "compute.create",
  "compute.cancel",
] as const;
export type ComputeCapability = (typeof COMPUTE_CAPABILITIES)[number];

/** The scope that asks for the group claim, bare or with one group. */
export const GROUPS_SCOPE = "wlcg.groups";

/** The scope that asks for this profile, bare or with a version. */
export const PROFILE_SCOPE = "wlcg";

export type StorageScope = { kind: "storage"; capability: StorageCapability; path: string };
export type ComputeScope = { kind: "compute"; capability: ComputeCapability };
export type GroupsScope = { kind: "groups"; group?: string };
export type ProfileScope = { kind: "profile"; version: string };
export type OtherScope = { kind: "other"; name: string };

export type Scope = StorageScope | ComputeScope | GroupsScope | ProfileScope | OtherScope;

export function isStorageCapability(value: string): value is StorageCapability {
  return (STORAGE_CAPABILITIES as readonly string[]).includes(value);
}

export function isComputeCapability(value: string): value is ComputeCapability {
  return (COMPUTE_CAPABILITIES as readonly string[]).includes(value);
}
