import {
  type Account,
  type AccountRepository,
  effectiveStatus,
  isAccountUsable,
  normaliseUsername,
} from "../accounts/account.js";
import { verifyPassword } from "../accounts/passwords.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { type LoginThrottle, throttleKeys } from "./login-throttle.js";

export interface LoginContext {
  ip: string;
  userAgent: string;
}

export type LoginOutcome =
  | { ok: true; account: Account }
  | { ok: false; reason: "bad_credentials" }
  | { ok: false; reason: "locked"; retryAfter: number }
  | { ok: false; reason: "account_inactive" };

/**
 * Username + password login: throttled per username and per IP, audited on every attempt. The
 * same answer and the same work (a full argon2 verification) whether or not the username exists.
 */
export function createPasswordLogin(deps: {
  accounts: AccountRepository;
  throttle: LoginThrottle;
  audit: AuditLog;
  clock: Clock;
}) {
  const { accounts, throttle, audit, clock } = deps;
  return async function login(
    username: string,
    password: string,
    context: LoginContext,
  ): Promise<LoginOutcome> {
    // Control characters never form a username; they must not reach the database (NUL breaks PostgreSQL).
    const name = normaliseUsername(username)
      .replace(/\p{Cc}/gu, "")
      .slice(0, 256);
    const userKey = throttleKeys.user(name, context.ip);
    const ipKey = throttleKeys.ip(context.ip);
    const keys = [userKey, ipKey];
    const base = {
      event: "login",
      method: "password",
      ip: context.ip,
      userAgent: context.userAgent.slice(0, 512),
    };

    const locked = async () => {
      await audit.record({ ...base, accountId: null, username: name, result: "locked", reason: "throttled" });
      return {
        ok: false,
        reason: "locked",
        retryAfter: Math.max(1, await throttle.retryAfter(keys)),
      } as const;
    };
    if ((await throttle.retryAfter(keys)) > 0) return locked();
    // The attempt is counted before the (slow) password check: a burst of parallel guesses
    // gets no more tries than the same guesses one after another.
    if (!(await throttle.charge(userKey))) return locked();
    const account = await accounts.findByUsername(name);
    const valid = await verifyPassword(account?.passwordHash, password);
    if (!account || !valid) {
      await throttle.recordFailure([ipKey]);
      await audit.record({
        ...base,
        accountId: account?.id ?? null,
        username: name,
        result: "failure",
        reason: account ? "bad_password" : "unknown_user",
      });
      return { ok: false, reason: "bad_credentials" };
    }
    if (!isAccountUsable(account, clock.now())) {
      await audit.record({
        ...base,
        accountId: account.id,
        username: name,
        result: "failure",
        reason: `account_${effectiveStatus(account, clock.now())}`,
      });
      return { ok: false, reason: "account_inactive" };
    }
    await throttle.clear(userKey);
    await audit.record({ ...base, accountId: account.id, username: name, result: "success", reason: null });
    const { passwordHash: _secret, ...publicAccount } = account;
    return { ok: true, account: publicAccount };
  };
}

export type PasswordLogin = ReturnType<typeof createPasswordLogin>;
