import type { AccountRepository, AccountWithSecret } from "../accounts/account.js";
import { isAccountUsable, normaliseUsername } from "../accounts/account.js";
import type { AccountService } from "../accounts/account-service.js";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../accounts/passwords.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { type Mailer, sendInBackground } from "../mail/mailer.js";
import { hashSecret, randomSecret } from "../secrets/random-secret.js";
import { throttleAddress } from "./client-address.js";
import type { LoginThrottle } from "./login-throttle.js";

/** How long a reset link works. */
export const RESET_TOKEN_LIFETIME_MS = 3_600_000;

export interface PasswordResetRepository {
  create(reset: {
    tokenHash: string;
    accountId: string;
    createdAt: number;
    expiresAt: number;
  }): Promise<void>;
  /** The account of an unused, unexpired token, or undefined. */
  findLive(tokenHash: string, now: number): Promise<string | undefined>;
  /** Marks the token used, atomically: the account id once, undefined on every later try. */
  consume(tokenHash: string, now: number): Promise<string | undefined>;
  /** Every other outstanding token of the account stops working. */
  deleteForAccount(accountId: string): Promise<void>;
  /** Accounts registered under this email address (compared case-insensitively), a few at most. */
  accountsByEmail(email: string, limit: number): Promise<AccountWithSecret[]>;
}

export interface ResetContext {
  ip: string;
  userAgent: string;
}

export type ResetRequestOutcome = { ok: true } | { ok: false; retryAfter: number };
export type ResetConfirmOutcome = { ok: true } | { ok: false; reason: "invalid_token" | "weak_password" };

/**
 * Password reset by email. Asking always gets the same answer, whether or not an account
 * matches (the mail goes out in the background, so timing says nothing either); asking is
 * throttled per network and per target. The emailed 256-bit secret is stored hashed, works once
 * and for an hour; setting the new password ends every session of the account.
 */
export function createPasswordReset(deps: {
  resets: PasswordResetRepository;
  accounts: AccountRepository;
  accountService: Pick<AccountService, "setPassword">;
  throttle: LoginThrottle;
  audit: AuditLog;
  mailer: Mailer;
  clock: Clock;
  issuer: string;
}) {
  const { resets, accounts, accountService, throttle, audit, mailer, clock, issuer } = deps;
  const base = (context: ResetContext) => ({
    method: "email",
    ip: context.ip,
    userAgent: context.userAgent.slice(0, 512),
  });

  async function targets(identifier: string): Promise<AccountWithSecret[]> {
    if (identifier.includes("@")) return resets.accountsByEmail(identifier, 5);
    const account = await accounts.findByUsername(normaliseUsername(identifier));
    return account ? [account] : [];
  }

  return {
    async request(identifier: string, context: ResetContext): Promise<ResetRequestOutcome> {
      const target = identifier
        .trim()
        .toLowerCase()
        .replace(/\p{Cc}/gu, "")
        .slice(0, 320);
      const keys = [`ip:reset:${throttleAddress(context.ip)}`, `reset:${target}`];
      const wait = await throttle.retryAfter(keys);
      if (wait > 0) return { ok: false, retryAfter: wait };
      for (const key of keys) {
        if (!(await throttle.charge(key)))
          return { ok: false, retryAfter: Math.max(1, await throttle.retryAfter(keys)) };
      }
      const found = (await targets(target)).filter((a) => isAccountUsable(a, clock.now()));
      if (found.length === 0) {
        await audit.record({
          ...base(context),
          event: "password_reset.requested",
          accountId: null,
          username: target.includes("@") ? null : target,
          result: "failure",
          reason: "unknown_account",
        });
        return { ok: true };
      }
      const now = clock.now();
      for (const account of found) {
        const token = randomSecret();
        await resets.create({
          tokenHash: hashSecret(token),
          accountId: account.id,
          createdAt: now,
          expiresAt: now + RESET_TOKEN_LIFETIME_MS,
        });
        await audit.record({
          ...base(context),
          event: "password_reset.requested",
          accountId: account.id,
          username: account.username,
          result: "success",
          reason: null,
        });
        sendInBackground(mailer, {
          to: account.email,
          subject: "Reset your password",
          text: `Hello ${account.name},

someone (we hope you) asked to reset the password of the account "${account.username}" at ${issuer}.
To choose a new password, open this link within an hour:

${issuer}/login/reset/confirm?token=${token}

If you did not ask for this, ignore this message: your password stays as it is.
`,
        });
      }
      return { ok: true };
    },

    /** Whether the emailed link still works (for showing the form). */
    async check(token: string): Promise<boolean> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return false;
      return (await resets.findLive(hashSecret(token), clock.now())) !== undefined;
    },

    async confirm(token: string, password: string, context: ResetContext): Promise<ResetConfirmOutcome> {
      if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH)
        return { ok: false, reason: "weak_password" };
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: "invalid_token" };
      const accountId = await resets.consume(hashSecret(token), clock.now());
      const account = accountId === undefined ? undefined : await accounts.findById(accountId);
      if (!account || !isAccountUsable(account, clock.now())) return { ok: false, reason: "invalid_token" };
      await accountService.setPassword(account.id, password);
      await resets.deleteForAccount(account.id);
      await audit.record({
        ...base(context),
        event: "password_reset.completed",
        accountId: account.id,
        username: account.username,
        result: "success",
        reason: null,
      });
      return { ok: true };
    },
  };
}

export type PasswordReset = ReturnType<typeof createPasswordReset>;
