/**
 * Scope grammar (WLCG profile §"Scopes", RFC 6749 §3.3):
 * - a scope token is one or more of %x21 / %x23-5B / %x5D-7E (no space, `"` or `\`);
 * - `storage.<cap>:<path>` needs an absolute, normalised path; without one it is invalid;
 * - `compute.<cap>` takes no path;
 * - `wlcg.groups` alone, or `wlcg.groups:<group>` with a valid group name;
 * - `wlcg` alone, or `wlcg:<version>` with a version we support;
 * - anything else, including `storage.write:/x` (not a WLCG capability), is an opaque scope.
 */
import { checkProfileVersion, PROFILE_VERSION } from "./claims.js";
import { checkGroupName } from "./group-name.js";
import {
  GROUPS_SCOPE,
  isComputeCapability,
  isStorageCapability,
  PROFILE_SCOPE,
  type Scope,
} from "./scope.js";
import { ScopeError } from "./scope-error.js";
import { checkScopePath } from "./storage-path.js";

export type ScopeParseResult = { ok: true; value: Scope } | { ok: false; error: ScopeError };

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Parses one scope token; never throws. */
export function parseScope(scope: string): ScopeParseResult {
  const fail = (reason: string): ScopeParseResult => ({ ok: false, error: new ScopeError(scope, reason) });
  if (scope.length === 0) return fail("empty scope");
  if (!SCOPE_TOKEN.test(scope)) return fail("scope contains a character RFC 6749 does not allow");

  const colon = scope.indexOf(":");
  const head = colon === -1 ? scope : scope.slice(0, colon);
  const arg = colon === -1 ? undefined : scope.slice(colon + 1);

  if (isStorageCapability(head)) {
    if (arg === undefined) return fail("storage scope without a path");
    const checked = checkScopePath(arg);
    if (!checked.ok) return fail(checked.reason);
    return { ok: true, value: { kind: "storage", capability: head, path: checked.path } };
  }
  if (isComputeCapability(head)) {
    if (arg !== undefined) return fail("compute scopes take no path");
    return { ok: true, value: { kind: "compute", capability: head } };
  }
  if (head === GROUPS_SCOPE) {
    if (arg === undefined) return { ok: true, value: { kind: "groups" } };
    const problem = checkGroupName(arg);
    if (problem !== null) return fail(problem);
    return { ok: true, value: { kind: "groups", group: arg } };
  }
  if (head === PROFILE_SCOPE) {
    if (arg === undefined) return { ok: true, value: { kind: "profile", version: PROFILE_VERSION } };
    const problem = checkProfileVersion(arg);
    if (problem !== null) return fail(problem);
    return { ok: true, value: { kind: "profile", version: arg } };
  }
  return { ok: true, value: { kind: "other", name: scope } };
}

/** Like `parseScope`, for callers that prefer an exception; throws `ScopeError`. */
export function parseScopeOrThrow(scope: string): Scope {
  const result = parseScope(scope);
  if (!result.ok) throw result.error;
  return result.value;
}

/**
 * Splits a scope parameter. RFC 6749 says single spaces, but real clients send runs of
 * whitespace and trailing spaces (PanDA), and IAM accepts them, so we do too: empty items are
 * dropped and repeats keep their first position.
 */
export function splitScopeString(scope: string): string[] {
  return [...new Set(scope.split(/\s+/).filter((item) => item.length > 0))];
}

/** Formats a parsed scope back to its canonical string; `parseScope` of the result is equal. */
export function formatScope(scope: Scope): string {
  switch (scope.kind) {
    case "storage":
      return `${scope.capability}:${scope.path}`;
    case "compute":
      return scope.capability;
    case "groups":
      return scope.group === undefined ? GROUPS_SCOPE : `${GROUPS_SCOPE}:${scope.group}`;
    case "profile":
      // The bare form is what clients send for the current version, so it is canonical.
      return scope.version === PROFILE_VERSION ? PROFILE_SCOPE : `${PROFILE_SCOPE}:${scope.version}`;
    case "other":
      return scope.name;
  }
}
