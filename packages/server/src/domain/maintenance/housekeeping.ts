import type { Clock } from "../clock.js";

/**
 * Deletes rows whose purpose has passed, so every table stays bounded under constant load:
 * expired codes, device authorizations, refresh tokens, revocation entries, one-time ids,
 * sessions, password-reset links and idle lockout counters; audit events, token history,
 * decided sign-up requests and retired signing keys once older than the retention.
 *
 * Each statement deletes at most `batchSize` rows (`delete … where key in (select key … limit
 * n)`, the same SQL on SQLite and PostgreSQL), so no statement holds locks for long and the
 * SQLite writer is free between batches; a pass stops early when `timeBudgetMs` is spent and
 * the next pass continues. Deleting is idempotent, so two runners never corrupt anything: the
 * leader election (maintenance-job.ts) only saves the duplicate work.
 */
export const EXPIRING_TABLES = [
  "authorization_codes",
  "device_authorizations",
  "refresh_tokens",
  "revoked_access_tokens",
  "one_time_ids",
  "password_resets",
] as const;
export type ExpiringTable = (typeof EXPIRING_TABLES)[number];

/** The deletes, each of at most `limit` rows; the number of rows affected is returned. */
export interface HousekeepingRepository {
  /** Sessions past `expires_at`, or last seen at or before `idleBefore`. */
  expiredSessionIds(now: number, idleBefore: number, limit: number): Promise<string[]>;
  /** Those of these sessions that have tokens delegated from them. */
  delegatingSessions(ids: readonly string[]): Promise<string[]>;
  deleteSessions(ids: readonly string[]): Promise<number>;
  /** Rows with `expires_at <= now`. */
  deleteExpired(table: ExpiringTable, now: number, limit: number): Promise<number>;
  /** Lockout counters not locked now and without a failure since `forgetBefore`. */
  deleteIdleThrottles(now: number, forgetBefore: number, limit: number): Promise<number>;
  /** Unconfirmed sign-ups whose link expired: status `expired`, password and link hashes cleared. */
  closeExpiredRegistrations(now: number, limit: number): Promise<number>;
  /** Expired and rejected sign-up requests created before `before`. */
  deleteClosedRegistrations(before: number, limit: number): Promise<number>;
  deleteHistory(table: "audit_events" | "token_history", before: number, limit: number): Promise<number>;
  /** Signing keys whose publication ended before `before`. */
  deleteRetiredKeys(before: number): Promise<number>;
  /**
   * Clients registered dynamically and anonymously (no owner) before `createdBefore` that hold
   * no grant at all: no refresh token, authorization code or device authorization (IAM #680).
   * Clients using client credentials or token exchange are never included.
   */
  deleteUnusedDynamicClients(createdBefore: number, limit: number): Promise<number>;
  /**
   * Runs `work` if no other node is running it now (PostgreSQL advisory lock); undefined when
   * another node holds the lock. SQLite is one process: `work` runs directly.
   */
  withLeaderLock<T>(work: () => Promise<T>): Promise<T | undefined>;
}

export interface HousekeepingOptions {
  repo: HousekeepingRepository;
  clock: Clock;
  /** Seconds audit events, token history, decided sign-ups and retired keys are kept. */
  auditRetention: number;
  /** Seconds after which an unused, ownerless dynamically registered client is deleted. */
  unusedClientLifetime?: number;
  /** Seconds of inactivity after which a browser session has ended (session.idleTimeout). */
  sessionIdleTimeout: number;
  /**
   * The token service: expires user tokens with a history record, and revokes the tokens
   * delegated from a session before the session row goes (instead of a silent cascade).
   */
  tokens?: {
    sweep(): Promise<number>;
    revokeForSession(sessionIdHash: string): Promise<void>;
  };
  batchSize?: number;
  timeBudgetMs?: number;
}

export interface HousekeepingReport {
  /** Rows deleted (or, for `registrations_expired`, closed) per table. */
  deleted: Record<string, number>;
  /** False when the time budget ran out before every table was done. */
  complete: boolean;
  ms: number;
}

// login-throttle.ts forgets failures older than a day; a row idle that long and unlocked is dead.
const THROTTLE_FORGET_MS = 86_400_000;

export const HOUSEKEEPING_TABLES = [
  "user_tokens",
  "sessions",
  "authorization_codes",
  "device_authorizations",
  "refresh_tokens",
  "revoked_access_tokens",
  "one_time_ids",
  "password_resets",
  "login_throttle",
  "registrations_expired",
  "registrations",
  "audit_events",
  "token_history",
  "signing_keys",
  "clients_unused",
] as const;

export function createHousekeeping(options: HousekeepingOptions) {
  const { repo, clock } = options;
  const batchSize = options.batchSize ?? 1000;
  const budgetMs = options.timeBudgetMs ?? 60_000;

  return {
    async run(): Promise<HousekeepingReport> {
      const started = Date.now();
      const now = clock.now();
      const cutoff = now - options.auditRetention * 1000;
      const idleBefore = now - options.sessionIdleTimeout * 1000;
      const deleted: Record<string, number> = Object.fromEntries(HOUSEKEEPING_TABLES.map((t) => [t, 0]));
      const outOfTime = () => Date.now() - started >= budgetMs;

      /** Runs `batch` until it affects fewer than batchSize rows or the budget is spent. */
      const drain = async (table: string, batch: () => Promise<number>) => {
        if (outOfTime()) return;
        for (;;) {
          const n = await batch();
          deleted[table] = (deleted[table] ?? 0) + n;
          if (n < batchSize || outOfTime()) return;
        }
      };

      // User tokens first: their expiry is recorded in the token history and evicted from caches.
      if (options.tokens) deleted.user_tokens = await options.tokens.sweep();

      // Sessions past their absolute lifetime or idle timeout. Tokens delegated from a session
      // are revoked through the token service first (history + cache eviction on every node).
      await drain("sessions", async () => {
        const ids = await repo.expiredSessionIds(now, idleBefore, batchSize);
        if (ids.length === 0) return 0;
        if (options.tokens)
          for (const id of await repo.delegatingSessions(ids)) await options.tokens.revokeForSession(id);
        await repo.deleteSessions(ids);
        return ids.length;
      });
      for (const table of EXPIRING_TABLES)
        await drain(table, () => repo.deleteExpired(table, now, batchSize));
      await drain("login_throttle", () => repo.deleteIdleThrottles(now, now - THROTTLE_FORGET_MS, batchSize));
      // Sign-up requests whose email link expired unconfirmed: closed, and their password hash
      // and link hash dropped at once; decided requests go after the retention period.
      await drain("registrations_expired", () => repo.closeExpiredRegistrations(now, batchSize));
      await drain("registrations", () => repo.deleteClosedRegistrations(cutoff, batchSize));
      // Self-registered clients (oidc-agent, the CLI) nobody uses any more: their refresh tokens
      // have all expired and been swept above.
      if (options.unusedClientLifetime !== undefined) {
        const createdBefore = now - options.unusedClientLifetime * 1000;
        await drain("clients_unused", () => repo.deleteUnusedDynamicClients(createdBefore, batchSize));
      }
      // History kept for the retention period.
      await drain("audit_events", () => repo.deleteHistory("audit_events", cutoff, batchSize));
      await drain("token_history", () => repo.deleteHistory("token_history", cutoff, batchSize));
      if (!outOfTime()) deleted.signing_keys = await repo.deleteRetiredKeys(cutoff);

      return { deleted, complete: !outOfTime(), ms: Date.now() - started };
    },
  };
}

export type Housekeeping = ReturnType<typeof createHousekeeping>;

/** One pass by one node at a time (see HousekeepingRepository.withLeaderLock); undefined: skipped. */
export function runHousekeepingOnce(
  repo: Pick<HousekeepingRepository, "withLeaderLock">,
  housekeeping: Housekeeping,
): Promise<HousekeepingReport | undefined> {
  return repo.withLeaderLock(() => housekeeping.run());
}

/**
 * The background job: a pass shortly after start, then every `intervalMs`, on an unref'd timer
 * so it never keeps the process alive. `stop` waits for a running pass to finish.
 */
export function startHousekeepingJob(options: {
  repo: Pick<HousekeepingRepository, "withLeaderLock">;
  housekeeping: Housekeeping;
  intervalMs: number;
  firstRunMs?: number;
  onReport?: (report: HousekeepingReport) => void;
  onError?: (error: unknown) => void;
}) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  const tick = () => {
    running = runHousekeepingOnce(options.repo, options.housekeeping)
      .then(
        (report) => {
          if (report) options.onReport?.(report);
        },
        (error: unknown) => options.onError?.(error),
      )
      .finally(() => {
        running = undefined;
        schedule(options.intervalMs);
      });
  };
  schedule(options.firstRunMs ?? Math.min(options.intervalMs, 30_000));
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
