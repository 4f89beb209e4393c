import type { Clock } from "../clock.js";
import { throttleAddress } from "./client-address.js";

export interface ThrottleState {
  key: string;
  failures: number;
  lockedUntil: number;
  lastFailureAt: number;
}

export interface ThrottleRepository {
  /**
   * One attempt on a key, atomically (row-locked): refused while the key is locked; otherwise
   * counted (restarting at one after `forgetBefore`), and the key locked until
   * `now + lockFor(failures - limit)` seconds once the count reaches `limit`.
   */
  attempt(
    key: string,
    now: number,
    options: { forgetBefore: number; limit: number; lockFor(over: number): number },
  ): Promise<{ allowed: boolean; lockedUntil: number }>;
  get(keys: readonly string[]): Promise<ThrottleState[]>;
  clear(key: string): Promise<void>;
}

export interface ThrottlePolicy {
  /** Failures allowed per key kind before the first lock. */
  limits: { user: number; ip: number };
  /** First lock, seconds; doubles with each further failure. */
  lockoutBase: number;
  /** Longest lock, seconds: a lockout is always temporary, so it cannot shut a victim out for good. */
  lockoutMax: number;
}

// After a day without failures a key starts afresh, so old mistakes do not shorten the fuse.
const FORGET_AFTER_MS = 86_400_000;

export const throttleKeys = {
  /** A username tried from one network: locks quickly, and only that pair. */
  user: (username: string, ip: string) => `user:${throttleAddress(ip)}:${username}`,
  /** One network, whatever it tries: a higher limit. */
  ip: (ip: string) => `ip:${throttleAddress(ip)}`,
};

/**
 * Brute-force protection shared by every node through the database. A username is throttled
 * together with the network it is tried from (whether or not the account exists, so lockouts
 * reveal nothing): an attacker elsewhere cannot lock the real user out, and every network gets
 * only a few guesses per growing delay. Each network also has an overall limit.
 */
export function createLoginThrottle(deps: {
  repo: ThrottleRepository;
  clock: Clock;
  policy: ThrottlePolicy;
}) {
  const { repo, clock, policy } = deps;
  const limitFor = (key: string) => (key.startsWith("ip:") ? policy.limits.ip : policy.limits.user);
  const lockFor = (over: number) => Math.min(policy.lockoutBase * 2 ** Math.min(over, 30), policy.lockoutMax);

  return {
    /** Seconds until every key is unlocked; 0 when none is locked. */
    async retryAfter(keys: readonly string[]): Promise<number> {
      const now = clock.now();
      const states = await repo.get(keys);
      const until = Math.max(0, ...states.map((s) => s.lockedUntil));
      return until > now ? Math.ceil((until - now) / 1000) : 0;
    },

    /**
     * Counts an attempt before it is checked, so that parallel attempts cannot all slip through
     * before the first failure is written. Returns false when this attempt is over the limit.
     */
    async charge(key: string): Promise<boolean> {
      const now = clock.now();
      const { allowed } = await repo.attempt(key, now, {
        forgetBefore: now - FORGET_AFTER_MS,
        limit: limitFor(key),
        lockFor,
      });
      return allowed;
    },

    async recordFailure(keys: readonly string[]): Promise<void> {
      const now = clock.now();
      for (const key of keys) {
        await repo.attempt(key, now, { forgetBefore: now - FORGET_AFTER_MS, limit: limitFor(key), lockFor });
      }
    },

    clear: (key: string) => repo.clear(key),
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
