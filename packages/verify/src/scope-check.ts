/**
 * Scope requirements of a resource: with `satisfy: "all"` (the default) every required scope
 * must be implied by some held scope, with `"any"` at least one. Implication is the WLCG one
 * (`storage.read:/cms` satisfies `storage.read:/cms/x`, `storage.modify` satisfies
 * `storage.create`), from `@tessera/profile`.
 */
import { scopeImplies } from "@tessera/profile";
import { TokenError } from "./token-error.js";

export type Satisfy = "all" | "any";

/** The required scopes that no held scope implies. */
export function missingScopes(held: readonly string[], required: readonly string[]): string[] {
  return required.filter((r) => !held.some((h) => scopeImplies(h, r)));
}

/** Throws `insufficient_scope` unless `held` meets `required` under `satisfy`. */
export function checkScopes(
  held: readonly string[],
  required: readonly string[],
  satisfy: Satisfy = "all",
): void {
  if (required.length === 0) return;
  const missing = missingScopes(held, required);
  const met = satisfy === "all" ? missing.length === 0 : missing.length < required.length;
  if (met) return;
  const description =
    satisfy === "all"
      ? `the token lacks the scope ${missing.join(" ")}`
      : `the token has none of the scopes ${required.join(" ")}`;
  throw new TokenError("insufficient_scope", description, { scope: satisfy === "all" ? missing : required });
}
