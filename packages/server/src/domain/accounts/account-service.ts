import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import type { RefreshTokenRepository } from "../grants/refresh-token.js";
import type { SessionRepository } from "../sessions/session.js";
import {
  type Account,
  type AccountChanges,
  type AccountRepository,
  type AccountStatus,
  normaliseUsername,
} from "./account.js";
import { hashPassword } from "./passwords.js";

export interface NewAccount {
  username: string;
  name: string;
  email: string;
  password?: string | undefined;
  status?: AccountStatus;
  isAdmin?: boolean;
}

export function createAccountService(deps: {
  accounts: AccountRepository;
  sessions: SessionRepository;
  refreshTokens: Pick<RefreshTokenRepository, "revokeForAccount">;
  clock: Clock;
}) {
  const { accounts, sessions, refreshTokens, clock } = deps;
  return {
    async create(input: NewAccount): Promise<Account> {
      const now = clock.now();
      const account = {
        id: randomUUID(),
        username: normaliseUsername(input.username),
        name: input.name,
        email: input.email,
        status: input.status ?? "active",
        isAdmin: input.isAdmin ?? false,
        createdAt: now,
        updatedAt: now,
      } satisfies Account;
      const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
      await accounts.create({ ...account, passwordHash });
      return account;
    },
    /** A new password ends every browser session of the account: whoever knew the old one is out. */
    async setPassword(id: string, password: string): Promise<void> {
      await accounts.setPassword(id, await hashPassword(password), clock.now());
      await sessions.deleteForAccount(id);
    },
    /** Profile fields, the administrator role and the end date; an end date in the past ends access at once. */
    async update(id: string, changes: AccountChanges): Promise<void> {
      const now = clock.now();
      await accounts.update(id, changes, now);
      if (changes.endsAt !== undefined && changes.endsAt !== null && changes.endsAt <= now) {
        await sessions.deleteForAccount(id);
        await refreshTokens.revokeForAccount(id, now);
      }
    },
    async setStatus(id: string, status: AccountStatus): Promise<void> {
      await accounts.setStatus(id, status, clock.now());
      if (status !== "active") {
        // Revoked, not merely refused: reinstating the account must not revive old grants.
        await sessions.deleteForAccount(id);
        await refreshTokens.revokeForAccount(id, clock.now());
      }
    },
    /** Deletes the account and, through the foreign keys, its sessions, refresh tokens and memberships. */
    delete: (id: string) => accounts.delete(id),
    findById: (id: string) => accounts.findById(id),
    findByUsername: (username: string) => accounts.findByUsername(username),
    count: () => accounts.count(),
    async list(options: { limit: number; after?: string; search?: string }): Promise<Account[]> {
      return (await accounts.list(options)).map(({ passwordHash: _secret, ...account }) => account);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
