import { type Account, type AccountRepository, isAccountUsable } from "../accounts/account.js";
import type { Clock } from "../clock.js";
import { hashSecret, randomSecret } from "../secrets/random-secret.js";
import type { Session, SessionRepository } from "./session.js";

export interface SessionPolicy {
  /** Absolute lifetime, seconds. */
  lifetime: number;
  /** Ends a session unused for this long, seconds. */
  idleTimeout: number;
}

// Writing last_seen_at on every request would turn each page view into a write; a minute of
// precision is plenty for an idle timeout measured in hours.
const TOUCH_INTERVAL_MS = 60_000;

export function createSessionService(deps: {
  sessions: SessionRepository;
  accounts: AccountRepository;
  clock: Clock;
  policy: SessionPolicy;
}) {
  const { sessions, accounts, clock, policy } = deps;
  return {
    /** Starts a session; the returned secret goes into the cookie and is stored only as a hash. */
    async start(accountId: string, context: { ip: string; userAgent: string }) {
      const secret = randomSecret();
      const now = clock.now();
      const session: Session = {
        idHash: hashSecret(secret),
        accountId,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: now + policy.lifetime * 1000,
        ip: context.ip,
        userAgent: context.userAgent.slice(0, 512),
      };
      await sessions.create(session);
      return { secret, session };
    },

    /** The live session and its account for a cookie value, or undefined. Ends stale sessions. */
    async resume(secret: string): Promise<{ session: Session; account: Account } | undefined> {
      const idHash = hashSecret(secret);
      const session = await sessions.find(idHash);
      if (!session) return undefined;
      const now = clock.now();
      if (now >= session.expiresAt || now - session.lastSeenAt >= policy.idleTimeout * 1000) {
        await sessions.delete(idHash);
        return undefined;
      }
      const account = await accounts.findById(session.accountId);
      // A suspended, pending or expired account loses its sessions at once, not when they expire.
      if (!account || !isAccountUsable(account, now)) {
        await sessions.delete(idHash);
        return undefined;
      }
      if (now - session.lastSeenAt >= TOUCH_INTERVAL_MS) {
        await sessions.touch(idHash, now);
        session.lastSeenAt = now;
      }
      const { passwordHash: _secret, ...publicAccount } = account;
      return { session, account: publicAccount };
    },

    /** The account's live sessions (expired or idle ones are left for the sweeper, not shown). */
    async listFor(accountId: string): Promise<Session[]> {
      const now = clock.now();
      return (await sessions.listForAccount(accountId)).filter(
        (s) => now < s.expiresAt && now - s.lastSeenAt < policy.idleTimeout * 1000,
      );
    },

    end: (secret: string) => sessions.delete(hashSecret(secret)),
    /** Ends a session known only by its id hash (the user signing out another device). */
    endByHash: (idHash: string) => sessions.delete(idHash),
    endAllFor: (accountId: string) => sessions.deleteForAccount(accountId),
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
