export type PolicyRule = "permit" | "deny";
export type PolicyMatching = "exact" | "path" | "regex";

/**
 * A scope policy, as INDIGO IAM has them: a rule (permit or deny) for a list of scope patterns,
 * attached to one account, one group, or everybody (default). Patterns may contain `{username}`,
 * replaced by the user's username before matching.
 */
export interface ScopePolicy {
  id: string;
  description: string;
  rule: PolicyRule;
  accountId: string | null;
  groupId: string | null;
  scopes: string[];
  matching: PolicyMatching;
  createdAt: number;
  updatedAt: number;
}

export type PolicyLevel = "account" | "group" | "default";

export function policyLevel(policy: Pick<ScopePolicy, "accountId" | "groupId">): PolicyLevel {
  return policy.accountId ? "account" : policy.groupId ? "group" : "default";
}

export interface ScopePolicyRepository {
  create(policy: ScopePolicy): Promise<void>;
  find(id: string): Promise<ScopePolicy | undefined>;
  list(): Promise<ScopePolicy[]>;
  /** The policies that can apply to this account: its own, its groups', and the defaults. */
  applicable(accountId: string, groupIds: readonly string[]): Promise<ScopePolicy[]>;
  update(policy: ScopePolicy): Promise<void>;
  delete(id: string): Promise<boolean>;
}
