import type { Clock } from "../clock.js";

export interface ThrottleState {
  key: string;
  failures: number;
  lockedUntil: number;
  lastFailureAt: number;
}

export interface ThrottleRepository {
  /**
   * Atomically adds one failure to the key (creating it) and returns the new state. A key whose
   * last failure is older than `forgetBefore` restarts at one.
   */
  addFailure(key: string, at: number, forgetBefore: number): Promise<ThrottleState>;
  setLockedUntil(key: string, lockedUntil: number): Promise<void>;
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
  user: (username: string) => `user:${username}`,
  ip: (ip: string) => `ip:${ip}`,
};

/**
 * Brute-force protection shared by every node through the database. Keys are per username
 * (whether or not the account exists, so lockouts reveal nothing) and per client IP.
 */
export function createLoginThrottle(deps: {
  repo: ThrottleRepository;
  clock: Clock;
  policy: ThrottlePolicy;
}) {
  const { repo, clock, policy } = deps;
  const limitFor = (key: string) => (key.startsWith("ip:") ? policy.limits.ip : policy.limits.user);

  return {
    /** Seconds until every key is unlocked; 0 when none is locked. */
    async retryAfter(keys: readonly string[]): Promise<number> {
      const now = clock.now();
      const states = await repo.get(keys);
      const until = Math.max(0, ...states.map((s) => s.lockedUntil));
      return until > now ? Math.ceil((until - now) / 1000) : 0;
    },

    async recordFailure(keys: readonly string[]): Promise<void> {
      const now = clock.now();
      for (const key of keys) {
        const state = await repo.addFailure(key, now, now - FORGET_AFTER_MS);
        const over = state.failures - limitFor(key);
        if (over >= 0) {
          const delay = Math.min(policy.lockoutBase * 2 ** Math.min(over, 30), policy.lockoutMax);
          await repo.setLockedUntil(key, now + delay * 1000);
        }
      }
    },

    clear: (key: string) => repo.clear(key),
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
