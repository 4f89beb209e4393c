/**
 * The verified caller as a resource server sees it: the verify result plus WLCG questions
 * answered with the profile's implication rules (`scopeImplies` from `@tessera/profile`):
 * - `storage.modify` implies `storage.create`, `storage.stage` implies `storage.read`;
 * - a storage path covers itself and everything below it, by whole segment (`/cms` covers
 *   `/cms/a`, not `/cmsx`), after resolving `.`/`..` and percent-encoding once;
 * - a path that is not absolute, or that escapes the root, is never allowed;
 * - compute capabilities imply nothing but themselves; other scopes compare verbatim.
 * Paths are passed as they appear in the request URL (still percent-encoded), the form the
 * storage endpoint will itself resolve.
 */
import { type ComputeCapability, isComputeCapability, scopeImplies } from "@tessera/profile";
import type { VerifiedToken } from "./create-verifier.js";

/** A compute capability by its short name (`"create"`) or in full (`"compute.create"`). */
export type ComputeAction = "read" | "modify" | "create" | "cancel" | ComputeCapability;

export type TesseraIdentity = VerifiedToken & {
  /** True when some held scope implies `scope` (WLCG rules above). */
  hasScope: (scope: string) => boolean;
  /** `storage.read` (or `storage.stage`) covers `path`. */
  canRead: (path: string) => boolean;
  /** `storage.modify` covers `path`. */
  canModify: (path: string) => boolean;
  /** `storage.create` (or `storage.modify`) covers `path`. */
  canCreate: (path: string) => boolean;
  /** `storage.stage` covers `path`. */
  canStage: (path: string) => boolean;
  /** The token holds `compute.<capability>`. */
  canCompute: (capability: ComputeAction) => boolean;
};

/** Wraps a verify result; the result's own fields are kept as they are. */
export function createIdentity(verified: VerifiedToken): TesseraIdentity {
  const scopes = [...verified.scopes];
  const hasScope = (scope: string): boolean =>
    typeof scope === "string" && scopes.some((held) => scopeImplies(held, scope));
  const storage =
    (capability: string) =>
    (path: string): boolean =>
      typeof path === "string" && path.startsWith("/") && hasScope(`${capability}:${path}`);
  return {
    ...verified,
    scopes,
    hasScope,
    canRead: storage("storage.read"),
    canModify: storage("storage.modify"),
    canCreate: storage("storage.create"),
    canStage: storage("storage.stage"),
    canCompute: (capability) => {
      const scope = typeof capability === "string" ? computeScope(capability) : undefined;
      return scope !== undefined && hasScope(scope);
    },
  };
}

function computeScope(capability: string): ComputeCapability | undefined {
  const full = capability.startsWith("compute.") ? capability : `compute.${capability}`;
  return isComputeCapability(full) ? full : undefined;
}
