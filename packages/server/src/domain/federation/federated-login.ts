import { randomUUID } from "node:crypto";
import {
  type Account,
  type AccountRepository,
  effectiveStatus,
  isAccountUsable,
} from "../accounts/account.js";
import type { AccountService } from "../accounts/account-service.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors.js";
import type { GroupService } from "../groups/group-service.js";
import type { Identity, IdentityRepository, UpstreamIdentity } from "./identity.js";

export interface ProviderPolicy {
  /** Automatic enrolment (IAM's "trusted" identity source): active account, email taken as verified. */
  trusted: boolean;
  /** Groups (by name) given to accounts this provider creates. */
  defaultGroups: readonly string[];
}

export interface RequestContext {
  ip: string;
  userAgent: string;
}

export type FederatedOutcome =
  | { kind: "signed_in"; account: Account; identity: Identity }
  | { kind: "enrolled"; account: Account; identity: Identity }
  | { kind: "pending"; account: Account; identity: Identity }
  | { kind: "refused"; reason: string; account: Account };

/**
 * What happens after an upstream provider vouched for someone: an identity linked to an
 * account signs into it; an unknown one is enrolled (trusted provider) or registered as a
 * pending account (untrusted); a signed-in user links and unlinks identities.
 */
export function createFederatedLogin(deps: {
  accounts: AccountRepository;
  accountService: AccountService;
  identities: IdentityRepository;
  groups: GroupService;
  audit: AuditLog;
  clock: Clock;
}) {
  const { accounts, accountService, identities, groups, audit, clock } = deps;

  const record = (
    context: RequestContext,
    event: string,
    upstream: { provider: string },
    account: Pick<Account, "id" | "username"> | null,
    result: "success" | "failure" | "ok",
    reason: string | null,
  ) =>
    audit.record({
      event,
      method: `oidc:${upstream.provider}`,
      accountId: account?.id ?? null,
      username: account?.username ?? null,
      result,
      reason,
      ip: context.ip,
      userAgent: context.userAgent.slice(0, 512),
    });

  /** Groups named by the provider or the configuration; a missing group is skipped, not fatal. */
  async function joinGroups(accountId: string, names: readonly string[], create: boolean): Promise<void> {
    for (const name of names) {
      let group = await groups.findByName(name);
      if (!group && create) {
        try {
          group = await groups.create({ name, description: "Synchronised from an upstream provider" });
        } catch (error) {
          if (error instanceof InvalidInputError) continue; // not a valid group name: skip it
          if (!(error instanceof ConflictError)) throw error;
          group = await groups.findByName(name);
        }
      }
      if (group) await groups.putMember(null, group.id, accountId, {});
    }
  }

  async function uniqueUsername(upstream: UpstreamIdentity): Promise<string> {
    const raw = upstream.preferredUsername ?? upstream.email?.split("@")[0] ?? `${upstream.provider}-user`;
    let base = raw
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[^a-z0-9]+/, "")
      .slice(0, 56);
    if (base.length < 2) base = `${upstream.provider}-${base}`.slice(0, 56);
    for (let n = 1; n <= 20; n += 1) {
      const candidate = n === 1 ? base : `${base}-${n}`;
      if (!(await accounts.findByUsername(candidate))) return candidate;
    }
    return `${base}-${randomUUID().slice(0, 6)}`;
  }

  async function createLinked(
    upstream: UpstreamIdentity,
    status: "active" | "pending",
  ): Promise<{ account: Account; identity: Identity }> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const account = await accountService.create({
          username: await uniqueUsername(upstream),
          name: upstream.name ?? upstream.preferredUsername ?? upstream.email ?? upstream.subject,
          email: upstream.email ?? "",
          status,
        });
        const identity = await attach(account.id, upstream);
        return { account, identity };
      } catch (error) {
        // Two first logins racing for one username: try the next free one.
        if (!(error instanceof ConflictError && error.field === "username") || attempt >= 3) throw error;
      }
    }
  }

  async function attach(accountId: string, upstream: UpstreamIdentity): Promise<Identity> {
    const now = clock.now();
    const identity: Identity = {
      id: randomUUID(),
      accountId,
      provider: upstream.provider,
      subject: upstream.subject,
      email: upstream.email,
      username: upstream.preferredUsername,
      createdAt: now,
      lastLoginAt: now,
    };
    await identities.create(identity);
    return identity;
  }

  return {
    async signIn(
      upstream: UpstreamIdentity,
      policy: ProviderPolicy,
      context: RequestContext,
    ): Promise<FederatedOutcome> {
      const linked = await identities.find(upstream.provider, upstream.subject);
      if (linked) {
        const found = await accounts.findById(linked.accountId);
        if (!found) throw new NotFoundError("account");
        const { passwordHash: _secret, ...account } = found;
        if (!isAccountUsable(account, clock.now())) {
          const status = effectiveStatus(account, clock.now());
          await record(context, "login", upstream, account, "failure", `account_${status}`);
          return { kind: "refused", reason: `account_${status}`, account };
        }
        await identities.touch(linked.id, clock.now(), {
          email: upstream.email,
          username: upstream.preferredUsername,
        });
        await joinGroups(account.id, upstream.groups, true);
        await record(context, "login", upstream, account, "success", null);
        return { kind: "signed_in", account, identity: linked };
      }
      if (policy.trusted) {
        // Automatic enrolment (issue 4, IAM #378): the provider's email is taken as verified.
        // Accounts carry no verified flag yet; registration (item 1) adds it and should set it here.
        const { account, identity } = await createLinked(upstream, "active");
        await joinGroups(account.id, policy.defaultGroups, false);
        await joinGroups(account.id, upstream.groups, true);
        await record(context, "registration", upstream, account, "success", "automatic_enrolment");
        await record(context, "login", upstream, account, "success", null);
        return { kind: "enrolled", account, identity };
      }
      // HAND-OVER POINT to registration (issue 4 item 1, `/signup`): an unknown identity at an
      // untrusted provider becomes a PENDING account linked to the identity, so that an
      // administrator's approval (which activates the account) is all that is needed; the
      // registration flow may replace this with its own form prefilled from `upstream`.
      const { account, identity } = await createLinked(upstream, "pending");
      await record(context, "registration", upstream, account, "ok", "pending_approval");
      return { kind: "pending", account, identity };
    },

    /** Attaches an upstream identity to a signed-in account; an identity belongs to one account. */
    async link(account: Account, upstream: UpstreamIdentity, context: RequestContext): Promise<Identity> {
      const existing = await identities.find(upstream.provider, upstream.subject);
      if (existing && existing.accountId !== account.id) {
        await record(context, "identity_link", upstream, account, "failure", "linked_elsewhere");
        throw new ConflictError("identity");
      }
      if (existing) return existing;
      try {
        const identity = await attach(account.id, upstream);
        await record(context, "identity_link", upstream, account, "success", null);
        return identity;
      } catch (error) {
        if (error instanceof ConflictError)
          await record(context, "identity_link", upstream, account, "failure", "linked_elsewhere");
        throw error;
      }
    },

    list: (accountId: string) => identities.listForAccount(accountId),

    /** Refuses to remove the last way in: no password and no other identity. */
    async unlink(account: Account, identityId: string, context: RequestContext): Promise<void> {
      const identity = await identities.findById(identityId);
      if (!identity || identity.accountId !== account.id) throw new NotFoundError("identity");
      const stored = await accounts.findById(account.id);
      const others = (await identities.listForAccount(account.id)).filter((i) => i.id !== identityId);
      if (!stored?.passwordHash && others.length === 0) {
        await record(context, "identity_unlink", identity, account, "failure", "last_login_method");
        throw new InvalidInputError(
          "last_login_method",
          "this is the account's only way to sign in: set a password or link another identity first",
        );
      }
      await identities.delete(identityId);
      await record(context, "identity_unlink", identity, account, "success", null);
    },
  };
}

export type FederatedLogin = ReturnType<typeof createFederatedLogin>;
