import { randomUUID } from "node:crypto";
import { parseScope } from "@tessera/profile";
import type { Account } from "../accounts/account.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { InvalidInputError, NotFoundError } from "../errors.js";
import type { GroupService } from "../groups/group-service.js";
import { checkRegexPattern, decideScope, type ScopeDecision } from "./evaluate-scopes.js";
import type { PolicyMatching, PolicyRule, ScopePolicy, ScopePolicyRepository } from "./scope-policy.js";

export interface PolicyInput {
  description?: string;
  rule: PolicyRule;
  accountId?: string | null;
  groupId?: string | null;
  scopes: string[];
  matching: PolicyMatching;
}

/** Scope policies: which scopes a user may obtain. The token issuer asks `filter`; people ask `explain`. */
export function createScopePolicyService(deps: {
  policies: ScopePolicyRepository;
  groups: GroupService;
  audit: AuditLog;
  clock: Clock;
}) {
  const { policies, groups, clock } = deps;

  function validate(input: PolicyInput): void {
    if (input.accountId && input.groupId)
      throw new InvalidInputError("invalid_policy", "a policy applies to an account or a group, not both");
    if (input.scopes.length === 0 || input.scopes.length > 100)
      throw new InvalidInputError("invalid_policy", "give 1 to 100 scope patterns");
    for (const pattern of input.scopes) {
      if (pattern.length > 256)
        throw new InvalidInputError("invalid_policy", "a scope pattern is at most 256 characters");
      if (input.matching === "regex") {
        const problem = checkRegexPattern(pattern);
        if (problem) throw new InvalidInputError("invalid_policy", `${pattern}: ${problem}`);
      } else {
        const parsed = parseScope(pattern.replaceAll("{username}", "username"));
        if (!parsed.ok) throw new InvalidInputError("invalid_policy", `${pattern}: ${parsed.error.message}`);
      }
    }
  }

  async function applicableTo(account: Account, groupIds?: readonly string[]): Promise<ScopePolicy[]> {
    const ids = groupIds ?? (await groups.membershipsOf(account.id)).map((m) => m.group.id);
    return policies.applicable(account.id, [...ids]);
  }

  const service = {
    async create(actor: string | null, input: PolicyInput): Promise<ScopePolicy> {
      validate(input);
      const now = clock.now();
      const policy: ScopePolicy = {
        id: randomUUID(),
        description: (input.description ?? "").slice(0, 500),
        rule: input.rule,
        accountId: input.accountId ?? null,
        groupId: input.groupId ?? null,
        scopes: input.scopes,
        matching: input.matching,
        createdAt: now,
        updatedAt: now,
      };
      await policies.create(policy);
      await audited(actor, "policy.created", policy.id);
      return policy;
    },

    async replace(actor: string | null, id: string, input: PolicyInput): Promise<ScopePolicy> {
      const existing = await policies.find(id);
      if (!existing) throw new NotFoundError("policy");
      validate(input);
      const policy: ScopePolicy = {
        ...existing,
        description: (input.description ?? "").slice(0, 500),
        rule: input.rule,
        accountId: input.accountId ?? null,
        groupId: input.groupId ?? null,
        scopes: input.scopes,
        matching: input.matching,
        updatedAt: clock.now(),
      };
      await policies.update(policy);
      await audited(actor, "policy.updated", id);
      return policy;
    },

    async delete(actor: string | null, id: string): Promise<void> {
      if (!(await policies.delete(id))) throw new NotFoundError("policy");
      await audited(actor, "policy.deleted", id);
    },

    find: async (id: string) => {
      const policy = await policies.find(id);
      if (!policy) throw new NotFoundError("policy");
      return policy;
    },
    list: () => policies.list(),

    /** Why each scope is or is not granted to this account. */
    async explain(account: Account, scopes: readonly string[]): Promise<ScopeDecision[]> {
      const applicable = await applicableTo(account);
      return scopes.map((scope) => decideScope(applicable, scope, account.username));
    },

    /**
     * The scopes of `requested` this account may obtain, in order. `groupIds`: the account's
     * live groups, when the caller has just read them (the token issuer needs them anyway).
     */
    async filter(
      account: Account,
      requested: readonly string[],
      groupIds?: readonly string[],
    ): Promise<string[]> {
      if (requested.length === 0) return [];
      const applicable = await applicableTo(account, groupIds);
      if (applicable.length === 0) return [...requested];
      return requested.filter((scope) => decideScope(applicable, scope, account.username).permitted);
    },

    /** The policies that apply to an account, for "which scopes may I obtain?". */
    applicableTo,
  };

  async function audited(actor: string | null, event: string, policyId: string) {
    await deps.audit.record({
      accountId: actor,
      username: null,
      event,
      method: null,
      result: "ok",
      reason: `policy ${policyId}`,
      ip: null,
      userAgent: null,
    });
  }

  return service;
}

export type ScopePolicyService = ReturnType<typeof createScopePolicyService>;
