import { randomUUID } from "node:crypto";
import { checkGroupName, type GroupMembership } from "@tessera/profile";
import type { Account, AccountRepository } from "../accounts/account.js";
import type { Clock } from "../clock.js";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from "../errors.js";
import { type Mailer, sendInBackground } from "../mail/mailer.js";
import type { Group, GroupRepository, GroupRequest, Membership } from "./group.js";

const MAX_TEXT = 2000;

/**
 * Groups and who is in them (INDIGO IAM's model): a tree named by paths, members with optional
 * end dates, managers per group, and requests that a manager or an administrator decides.
 */
/** Who to tell about membership requests: the group's managers when asked, the applicant when decided. */
export interface GroupNotifications {
  mailer: Mailer;
  accounts: Pick<AccountRepository, "findById">;
  issuer: string;
}

export interface TokenMembership extends GroupMembership {
  groupId: string;
}

export function createGroupService(deps: {
  groups: GroupRepository;
  clock: Clock;
  notify?: GroupNotifications;
}) {
  const { groups, clock } = deps;

  async function tell(accountIds: readonly string[], subject: string, text: string) {
    const notify = deps.notify;
    if (!notify) return;
    for (const id of accountIds) {
      const account = await notify.accounts.findById(id);
      if (account?.email) sendInBackground(notify.mailer, { to: account.email, subject, text });
    }
  }

  async function found(id: string): Promise<Group> {
    const group = await groups.find(id);
    if (!group) throw new NotFoundError("group");
    return group;
  }

  /** Administrators manage every group; a manager manages the groups they manage. */
  async function assertManages(actor: Account, groupId: string): Promise<void> {
    if (actor.isAdmin) return;
    const membership = await groups.findMembership(groupId, actor.id);
    const live = membership && (membership.endsAt === null || membership.endsAt > clock.now());
    if (!live || !membership.manager)
      throw new ForbiddenError("only the group's managers or an administrator may do this");
  }

  const service = {
    find: found,
    findByName: (name: string) => groups.findByName(name),
    list: (options: { limit: number; after?: string }) => groups.list(options),
    assertManages,

    /** Creates `/a/b/c`; its parent `/a/b` must exist (top-level groups have none). */
    async create(input: { name: string; description?: string; optional?: boolean }): Promise<Group> {
      const problem = checkGroupName(input.name);
      if (problem) throw new InvalidInputError("invalid_group_name", problem);
      const parentName = input.name.slice(0, input.name.lastIndexOf("/"));
      const parent = parentName ? await groups.findByName(parentName) : undefined;
      if (parentName && !parent)
        throw new InvalidInputError("no_parent", `the parent group ${parentName} does not exist`);
      const group: Group = {
        id: randomUUID(),
        name: input.name,
        parentId: parent?.id ?? null,
        description: (input.description ?? "").slice(0, MAX_TEXT),
        optional: input.optional ?? false,
        createdAt: clock.now(),
      };
      await groups.create(group);
      return group;
    },

    async update(id: string, changes: { description?: string; optional?: boolean }): Promise<Group> {
      const group = await found(id);
      const updated = {
        ...group,
        ...(changes.description === undefined ? {} : { description: changes.description.slice(0, MAX_TEXT) }),
        ...(changes.optional === undefined ? {} : { optional: changes.optional }),
      };
      await groups.update(updated);
      return updated;
    },

    /**
     * Moves a group under another parent (null: to the top), keeping its last name segment. Names
     * are paths, so the group and all its subgroups are renamed; memberships, managers, requests
     * and scope policies follow by id. A group cannot go under itself or its own subgroups.
     */
    async move(id: string, parentId: string | null): Promise<Group> {
      const group = await found(id);
      const parent = parentId === null ? undefined : await groups.find(parentId);
      if (parentId !== null && !parent)
        throw new InvalidInputError("no_parent", "the new parent group does not exist");
      if (parent && (parent.id === group.id || parent.name.startsWith(`${group.name}/`)))
        throw new InvalidInputError("invalid_move", "a group cannot be moved under itself or its subgroups");
      const name = `${parent?.name ?? ""}/${group.name.slice(group.name.lastIndexOf("/") + 1)}`;
      if (name === group.name) return group;
      const problem = checkGroupName(name);
      if (problem) throw new InvalidInputError("invalid_group_name", problem);
      await groups.move(id, parent?.id ?? null, name);
      return { ...group, name, parentId: parent?.id ?? null };
    },

    async delete(id: string): Promise<void> {
      await found(id);
      if (await groups.hasChildren(id)) throw new ConflictError("subgroups (delete them first)");
      await groups.delete(id);
    },

    async putMember(
      actor: Account | null,
      groupId: string,
      accountId: string,
      options: { manager?: boolean; endsAt?: number | null },
    ) {
      await found(groupId);
      if (actor) await assertManages(actor, groupId);
      // Only administrators appoint managers.
      if (options.manager && actor && !actor.isAdmin)
        throw new ForbiddenError("only administrators appoint managers");
      const existing = await groups.findMembership(groupId, accountId);
      const membership: Membership = {
        groupId,
        accountId,
        manager: options.manager ?? existing?.manager ?? false,
        endsAt: options.endsAt === undefined ? (existing?.endsAt ?? null) : options.endsAt,
        createdAt: existing?.createdAt ?? clock.now(),
      };
      await groups.putMember(membership);
      return membership;
    },

    async removeMember(actor: Account | null, groupId: string, accountId: string): Promise<void> {
      if (actor) await assertManages(actor, groupId);
      if (!(await groups.removeMember(groupId, accountId))) throw new NotFoundError("membership");
    },

    members: (groupId: string, options: { limit: number; after?: string }) =>
      groups.members(groupId, options),

    /** The account's live memberships, for the account page. */
    membershipsOf: (accountId: string) => groups.membershipsOf(accountId, clock.now()),

    /**
     * What `wlcg.groups` selection needs: live memberships with the group's optional flag (and
     * the group's id, for the scope policies).
     */
    async tokenMemberships(accountId: string): Promise<TokenMembership[]> {
      const live = await groups.membershipsOf(accountId, clock.now());
      return live.map(({ group }) => ({ group: group.name, optional: group.optional, groupId: group.id }));
    },

    async request(account: Account, groupId: string, motivation: string): Promise<GroupRequest> {
      await found(groupId);
      const membership = await groups.findMembership(groupId, account.id);
      if (membership && (membership.endsAt === null || membership.endsAt > clock.now())) {
        throw new InvalidInputError("already_member", "you are already a member of this group");
      }
      const pending = await groups.listRequests({ groupId, accountId: account.id, status: "pending" });
      if (pending.length > 0) throw new ConflictError("a pending request for this group");
      const request: GroupRequest = {
        id: randomUUID(),
        groupId,
        accountId: account.id,
        motivation: motivation.slice(0, MAX_TEXT),
        status: "pending",
        decidedBy: null,
        reason: null,
        createdAt: clock.now(),
        decidedAt: null,
      };
      await groups.createRequest(request);
      const group = await found(groupId);
      const managers = (await groups.members(groupId, { limit: 500 })).filter(
        (m) => m.manager && (m.endsAt === null || m.endsAt > clock.now()),
      );
      await tell(
        managers.map((m) => m.accountId),
        `Membership request for ${group.name}`,
        `${account.name} (${account.username}) asks to join ${group.name}:\n\n${request.motivation}\n\nDecide at ${deps.notify?.issuer ?? ""}/dashboard/manage`,
      );
      return request;
    },

    async decide(
      actor: Account,
      requestId: string,
      approve: boolean,
      reason: string | null,
    ): Promise<GroupRequest> {
      const request = await groups.findRequest(requestId);
      if (!request) throw new NotFoundError("request");
      await assertManages(actor, request.groupId);
      const outcome = {
        status: approve ? "approved" : "rejected",
        decidedBy: actor.id,
        reason: reason?.slice(0, MAX_TEXT) ?? null,
        at: clock.now(),
      } as const;
      if (!(await groups.closeRequest(requestId, outcome)))
        throw new ConflictError("request (already decided)");
      if (approve) await service.putMember(null, request.groupId, request.accountId, {});
      const group = await found(request.groupId);
      await tell(
        [request.accountId],
        `Your request to join ${group.name} was ${outcome.status}`,
        approve
          ? `You are now a member of ${group.name}.`
          : `Your request to join ${group.name} was rejected${outcome.reason ? `: ${outcome.reason}` : "."}`,
      );
      return {
        ...request,
        status: outcome.status,
        decidedBy: actor.id,
        reason: outcome.reason,
        decidedAt: outcome.at,
      };
    },

    async withdraw(account: Account, requestId: string): Promise<void> {
      const request = await groups.findRequest(requestId);
      if (!request || request.accountId !== account.id) throw new NotFoundError("request");
      const closed = await groups.closeRequest(requestId, {
        status: "withdrawn",
        decidedBy: account.id,
        reason: null,
        at: clock.now(),
      });
      if (!closed) throw new ConflictError("request (already decided)");
    },

    listRequests: (filter: Parameters<GroupRepository["listRequests"]>[0]) => groups.listRequests(filter),
  };
  return service;
}

export type GroupService = ReturnType<typeof createGroupService>;
