/** A group of the collaboration; its name is its full path (`/cms/uscms`), unique. */
export interface Group {
  id: string;
  name: string;
  parentId: string | null;
  description: string;
  /**
   * Optional groups appear in `wlcg.groups` only when asked for by name
   * (`wlcg.groups:/cms/ALARM`); the others are the member's default groups.
   */
  optional: boolean;
  createdAt: number;
}

export interface Membership {
  groupId: string;
  accountId: string;
  /** Managers approve requests and manage members of this group. */
  manager: boolean;
  /** The membership lapses at this time; null: no end. */
  endsAt: number | null;
  createdAt: number;
}

/** Who a membership or request is about, as people read it. */
export interface AccountNames {
  username: string;
  displayName: string;
}

export type RequestStatus = "pending" | "approved" | "rejected" | "withdrawn";

export interface GroupRequest {
  id: string;
  groupId: string;
  accountId: string;
  motivation: string;
  status: RequestStatus;
  decidedBy: string | null;
  reason: string | null;
  createdAt: number;
  decidedAt: number | null;
}

export interface GroupRepository {
  /** Throws ConflictError("name") when the name is taken. */
  create(group: Group): Promise<void>;
  find(id: string): Promise<Group | undefined>;
  findByName(name: string): Promise<Group | undefined>;
  /** Ordered by name; `after` is the last name of the previous page. */
  list(options: { limit: number; after?: string }): Promise<Group[]>;
  hasChildren(id: string): Promise<boolean>;
  update(group: Group): Promise<void>;
  /**
   * Gives the group a new parent and name, and renames every descendant (`/a/b/c` → `/x/b/c` when
   * `/a/b` becomes `/x/b`) in one transaction. Throws ConflictError("group name") when a new name
   * is taken, leaving every name as it was.
   */
  move(id: string, parentId: string | null, name: string): Promise<void>;
  delete(id: string): Promise<void>;

  /** The account's memberships still in force at `now`, with their groups. */
  membershipsOf(accountId: string, now: number): Promise<{ group: Group; membership: Membership }[]>;
  members(
    groupId: string,
    options: { limit: number; after?: string },
  ): Promise<(Membership & AccountNames)[]>;
  findMembership(groupId: string, accountId: string): Promise<Membership | undefined>;
  /** Adds or replaces the membership. */
  putMember(membership: Membership): Promise<void>;
  removeMember(groupId: string, accountId: string): Promise<boolean>;

  createRequest(request: GroupRequest): Promise<void>;
  findRequest(id: string): Promise<GroupRequest | undefined>;
  /** Oldest first, with the applicant's names (a manager decides about people, not ids). */
  listRequests(filter: {
    groupId?: string;
    accountId?: string;
    status?: RequestStatus;
  }): Promise<(GroupRequest & AccountNames)[]>;
  /** Moves a pending request to its outcome; false when it was no longer pending. */
  closeRequest(
    id: string,
    outcome: { status: RequestStatus; decidedBy: string | null; reason: string | null; at: number },
  ): Promise<boolean>;
}
