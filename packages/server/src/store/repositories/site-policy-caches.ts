import type { AupRepository } from "../../domain/aup/aup.js";
import type { ScopePolicy, ScopePolicyRepository } from "../../domain/policies/scope-policy.js";
import { recentReads } from "./recent-reads.js";

/*
 * The acceptable-use policy and the scope policies are read by every token issue, and change
 * only when an administrator edits them. Like clients (client-lookup-cache.ts), a read answers on
 * this node for a second; this node's edits take effect at once, another node's within the second.
 * On PostgreSQL that takes two of a refresh's five round trips away.
 */

const ONLY = "current";

/** The AUP document; signatures are per account and are always read. */
export function withAupCache(repo: AupRepository, now?: () => number): AupRepository {
  const recent = recentReads<typeof ONLY, Awaited<ReturnType<AupRepository["get"]>>>(now ? { now } : {});
  return {
    get: () => recent.read(ONLY, () => repo.get()),
    put: (aup) => recent.changing(ONLY, () => repo.put(aup)),
    remove: () => recent.changing(ONLY, () => repo.remove()),
    signedAt: (accountId) => repo.signedAt(accountId),
    sign: (accountId, at) => repo.sign(accountId, at),
  };
}

/** Past this many policies (per-account rules by the thousand) the database filters them instead. */
const MAX_REMEMBERED_POLICIES = 5_000;

/** All scope policies, remembered together; `applicable` filters them as the SQL query does. */
export function withScopePolicyCache(repo: ScopePolicyRepository, now?: () => number): ScopePolicyRepository {
  const recent = recentReads<typeof ONLY, ScopePolicy[] | undefined>(now ? { now } : {});
  return {
    create: (policy) => recent.changing(ONLY, () => repo.create(policy)),
    update: (policy) => recent.changing(ONLY, () => repo.update(policy)),
    delete: (id) => recent.changing(ONLY, () => repo.delete(id)),
    find: (id) => repo.find(id),
    list: () => repo.list(),
    async applicable(accountId, groupIds) {
      const all = await recent.read(ONLY, async () => {
        const policies = await repo.list();
        return policies.length <= MAX_REMEMBERED_POLICIES ? policies : undefined;
      });
      if (!all) return repo.applicable(accountId, groupIds);
      return all.filter(
        (p) =>
          p.accountId === accountId ||
          (p.groupId !== null && groupIds.includes(p.groupId)) ||
          (p.accountId === null && p.groupId === null),
      );
    },
  };
}
