export const ACCOUNT_STATUSES = ["active", "pending", "suspended"] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export interface Account {
  id: string;
  username: string;
  name: string;
  email: string;
  status: AccountStatus;
  isAdmin: boolean;
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
  /** Ordered by username; `after` is the last username of the previous page. */
  list(options: { limit: number; after?: string }): Promise<AccountWithSecret[]>;
  setPassword(id: string, passwordHash: string, at: number): Promise<void>;
  setStatus(id: string, status: AccountStatus, at: number): Promise<void>;
}

export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase();
}
