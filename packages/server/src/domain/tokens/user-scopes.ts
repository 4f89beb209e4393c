import { scopeImplies } from "@tessera/profile";
import type { Account } from "../accounts/account.js";

/**
 * The scopes a person holds at the gateway: the gateway scopes their groups grant (the
 * configured mapping, e.g. `/rubin/data-rights: [read:tap]`), and every other scope the scope
 * policies permit them. A scope that appears in the mapping is held ONLY through group
 * membership, whatever the policies say.
 */
export function createUserScopes(deps: {
  /** Group name → gateway scopes its members get. */
  groupScopes: Readonly<Record<string, readonly string[]>>;
  /** Names of the groups the account is a member of now. */
  groupNames(accountId: string): Promise<string[]>;
  /** The scopes of `scopes` the policies permit the account (in order). */
  permitted(account: Account, scopes: readonly string[]): Promise<string[]>;
}) {
  const gatewayScopes = new Set(Object.values(deps.groupScopes).flat());

  /** The gateway scopes these group memberships grant, each with the groups granting it. */
  function grantedBy(groups: readonly string[]): { scope: string; groups: string[] }[] {
    const out = new Map<string, string[]>();
    for (const group of groups) {
      for (const scope of deps.groupScopes[group] ?? []) out.set(scope, [...(out.get(scope) ?? []), group]);
    }
    return [...out].map(([scope, from]) => ({ scope, groups: from }));
  }

  async function grantedTo(accountId: string): Promise<{ scope: string; groups: string[] }[]> {
    return grantedBy(await deps.groupNames(accountId));
  }

  async function gatewayScopesOf(accountId: string): Promise<string[]> {
    return (await grantedTo(accountId)).map((g) => g.scope);
  }

  /** The scopes of `scopes` the account does not hold. */
  async function unpermitted(account: Account, scopes: readonly string[]): Promise<string[]> {
    const viaGroups = scopes.filter((s) => gatewayScopes.has(s));
    const viaPolicies = scopes.filter((s) => !gatewayScopes.has(s));
    const granted = viaGroups.length > 0 ? await gatewayScopesOf(account.id) : [];
    const permitted = new Set(viaPolicies.length > 0 ? await deps.permitted(account, viaPolicies) : []);
    return scopes.filter((s) =>
      gatewayScopes.has(s) ? !granted.some((g) => scopeImplies(g, s)) : !permitted.has(s),
    );
  }

  return {
    /** Every scope the mapping defines. */
    gatewayScopes: [...gatewayScopes],
    grantedBy,
    grantedTo,
    gatewayScopesOf,
    unpermitted,
  };
}

export type UserScopes = ReturnType<typeof createUserScopes>;
