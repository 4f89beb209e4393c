export const ACCOUNT_STATUSES = ["active", "pending", "suspended"] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export interface Account {
  id: string;
  username: string;
  name: string;
  email: string;
  status: AccountStatus;
  isAdmin: boolean;
  /** After this time the account is expired (INDIGO IAM's end date); null or absent: no end. */
  endsAt?: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface AccountWithSecret extends Account {
  passwordHash: string | null;
}

export interface AccountRepository {
  /** Throws ConflictError("username") when the username is taken. */
  create(account: AccountWithSecret): Promise<void>;
  findById(id: string): Promise<AccountWithSecret | undefined>;
  /** Usernames are compared case-insensitively: they are stored lower-case. */
  findByUsername(username: string): Promise<AccountWithSecret | undefined>;
  count(): Promise<number>;
  /**
   * Ordered by username; `after` is the last username of the previous page. `search` keeps the
   * accounts whose username, name or email contains it, ignoring case.
   */
  list(options: { limit: number; after?: string; search?: string }): Promise<AccountWithSecret[]>;
  setPassword(id: string, passwordHash: string, at: number): Promise<void>;
  setStatus(id: string, status: AccountStatus, at: number): Promise<void>;
  /** Changes profile fields, role and end date. */
  update(id: string, changes: AccountChanges, at: number): Promise<void>;
  /** Deletes the account; its sessions, grants and memberships go with it (foreign keys cascade). */
  delete(id: string): Promise<boolean>;
}

/**
 * Whether the account may log in and hold tokens at `now`: active and not past its end date.
 * Every check of that kind goes through here, so pending, suspended and expired accounts are
 * refused alike everywhere.
 */
export function isAccountUsable(account: Pick<Account, "status" | "endsAt">, now: number): boolean {
  const endsAt = account.endsAt ?? null;
  return account.status === "active" && (endsAt === null || endsAt > now);
}

/** The status to show: `expired` once the end date has passed. */
export function effectiveStatus(
  account: Pick<Account, "status" | "endsAt">,
  now: number,
): AccountStatus | "expired" {
  return isAccountUsable(account, now) || account.status !== "active" ? account.status : "expired";
}

export interface AccountChanges {
  name?: string;
  email?: string;
  isAdmin?: boolean;
  endsAt?: number | null;
}

export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase();
}
