import { scopeImplies } from "@tessera/profile";
import type { PolicyLevel, ScopePolicy } from "./scope-policy.js";
import { policyLevel } from "./scope-policy.js";

/**
 * INDIGO IAM's scope-policy evaluation, for one user and one requested scope:
 * - account policies first, then the policies of the user's groups, then the defaults; the first
 *   level with a matching policy decides, and within a level a deny beats a permit;
 * - a scope no policy matches is permitted (IAM ships a default "permit all");
 * - `exact` compares strings; `path` grants a scope implied by the pattern under the WLCG rules
 *   (`storage.read:/cms` matches `storage.read:/cms/data`, never `storage.read:/`; modify implies
 *   create); `regex` matches the whole scope.
 */
export interface ScopeDecision {
  scope: string;
  permitted: boolean;
  level: PolicyLevel | null;
  policyId: string | null;
  reason: string;
}

const LEVELS: readonly PolicyLevel[] = ["account", "group", "default"];

export function patternMatches(
  policy: Pick<ScopePolicy, "matching">,
  pattern: string,
  scope: string,
): boolean {
  switch (policy.matching) {
    case "exact":
      return pattern === scope;
    case "path":
      return scopeImplies(pattern, scope);
    case "regex":
      return compiled(pattern).test(scope);
  }
}

const cache = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let regex = cache.get(pattern);
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`, "u");
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, regex);
  }
  return regex;
}

/** Whether `pattern` is usable as a `regex` pattern (checked when the policy is saved). */
export function checkRegexPattern(pattern: string): string | null {
  try {
    new RegExp(`^(?:${pattern})$`, "u");
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

export function decideScope(
  policies: readonly ScopePolicy[],
  scope: string,
  username: string,
): ScopeDecision {
  for (const level of LEVELS) {
    const matching = policies.filter(
      (p) =>
        policyLevel(p) === level &&
        p.scopes.some((pattern) => patternMatches(p, pattern.replaceAll("{username}", username), scope)),
    );
    if (matching.length === 0) continue;
    const deny = matching.find((p) => p.rule === "deny");
    const decisive = deny ?? (matching[0] as ScopePolicy);
    return {
      scope,
      permitted: !deny,
      level,
      policyId: decisive.id,
      reason: `${deny ? "denied" : "permitted"} by ${level} policy "${decisive.description || decisive.id}"`,
    };
  }
  return {
    scope,
    permitted: true,
    level: null,
    policyId: null,
    reason: "no policy matches: permitted by default",
  };
}
