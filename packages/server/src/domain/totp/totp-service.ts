import { Secret, TOTP } from "otpauth";
import type { Account } from "../accounts/account.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { throttleAddress } from "../login/client-address.js";
import { type LoginThrottle, throttleKeys } from "../login/login-throttle.js";
import { hashRecoveryCode, newRecoveryCodes, normaliseRecoveryCode } from "./recovery-codes.js";
import type { TotpRepository, TotpRequirement } from "./totp.js";
import type { TotpSecretBox } from "./totp-secret-box.js";

export interface TotpContext {
  ip: string;
  userAgent: string;
}

/** What a checked code proved; failures carry a stable reason (also the audit reason). */
export type CodeOutcome =
  | { ok: true; via: "totp" | "recovery_code" }
  | { ok: false; reason: "bad_code" | "reused_code" | "not_enrolled" }
  | { ok: false; reason: "locked"; retryAfter: number };

export interface Enrolment {
  /** Base32, for typing into an authenticator app. */
  secret: string;
  /** The `otpauth://totp/…` URI (what the QR code encodes). */
  uri: string;
}

// RFC 6238 defaults, which every authenticator app supports: SHA-1, 6 digits, 30-second steps.
const PERIOD = 30;
// RFC 6238 §5.2: accept one step of drift either way.
const WINDOW = 1;
// RFC 4226 §4: at least 128 bits of shared secret; 160 is the recommended size.
const SECRET_BYTES = 20;

/**
 * Second factor by TOTP (RFC 6238) with single-use recovery codes. Every code check is throttled
 * like a password (per account and network, and per network overall), and a code is accepted
 * once: the time step it proved is stored, and that step or an older one is refused afterwards.
 * The throttle key is TOTP's own (`totp:<network>:<account>`), not the password's: a correct
 * password clears the password key, which must not also wipe the count of wrong codes.
 */
export function createTotpService(deps: {
  repo: TotpRepository;
  box: TotpSecretBox;
  throttle: LoginThrottle;
  audit: AuditLog;
  clock: Clock;
  /** Shown by authenticator apps next to the username. */
  issuerLabel: string;
  requirement: TotpRequirement;
}) {
  const { repo, box, throttle, audit, clock } = deps;

  const totpFor = (account: Pick<Account, "username">, secret: Uint8Array) =>
    new TOTP({
      issuer: deps.issuerLabel,
      label: account.username,
      algorithm: "SHA1",
      digits: 6,
      period: PERIOD,
      secret: new Secret({ buffer: secret.slice().buffer }),
    });

  const record = (
    account: Pick<Account, "id" | "username">,
    event: string,
    result: "success" | "failure" | "locked" | "ok",
    reason: string | null,
    context: TotpContext | null,
    method = "totp",
  ) =>
    audit.record({
      event,
      method,
      accountId: account.id,
      username: account.username,
      result,
      reason,
      ip: context?.ip ?? null,
      userAgent: context?.userAgent.slice(0, 512) ?? null,
    });

  /**
   * Checks a 6-digit code (±1 step, never a used step) or, when allowed, a recovery code
   * (consumed). `pending` checks the unconfirmed credential of an enrolment instead.
   */
  async function check(
    account: Pick<Account, "id" | "username">,
    input: string,
    context: TotpContext,
    options: { recovery: boolean; pending?: boolean },
  ): Promise<CodeOutcome & { step?: number }> {
    const credential = await repo.find(account.id);
    if (!credential || credential.enabled === Boolean(options.pending))
      return { ok: false, reason: "not_enrolled" };
    const accountKey = `totp:${throttleAddress(context.ip)}:${account.id}`;
    const networkKey = throttleKeys.ip(context.ip);
    const keys = [accountKey, networkKey];
    const locked = async () => ({
      ok: false as const,
      reason: "locked" as const,
      retryAfter: Math.max(1, await throttle.retryAfter(keys)),
    });
    if ((await throttle.retryAfter(keys)) > 0) return locked();
    // Counted before the check, so parallel guesses get no more tries than sequential ones.
    if (!(await throttle.charge(accountKey))) return locked();

    const code = input.replace(/\s/g, "");
    let outcome: CodeOutcome & { step?: number } = { ok: false, reason: "bad_code" };
    if (/^\d{6}$/.test(code)) {
      const now = clock.now();
      const delta = totpFor(account, box.open(account.id, credential.secretSealed)).validate({
        token: code,
        timestamp: now,
        window: WINDOW,
      });
      if (delta !== null) {
        const step = TOTP.counter({ period: PERIOD, timestamp: now }) + delta;
        if (options.pending) outcome = { ok: true, via: "totp", step };
        else if (await repo.useStep(account.id, step)) outcome = { ok: true, via: "totp" };
        else outcome = { ok: false, reason: "reused_code" };
      }
    } else if (options.recovery) {
      const normalised = normaliseRecoveryCode(code);
      if (normalised && (await repo.useRecoveryCode(account.id, hashRecoveryCode(account.id, normalised))))
        outcome = { ok: true, via: "recovery_code" };
    }
    if (outcome.ok) await throttle.clear(accountKey);
    else await throttle.recordFailure([networkKey]);
    return outcome;
  }

  async function freshRecoveryCodes(accountId: string) {
    const codes = newRecoveryCodes();
    const hashes = codes.map((code) => hashRecoveryCode(accountId, normaliseRecoveryCode(code) as string));
    return { codes, hashes };
  }

  const enrolmentOf = (account: Pick<Account, "id" | "username">, sealed: string): Enrolment => {
    const totp = totpFor(account, box.open(account.id, sealed));
    return { secret: totp.secret.base32, uri: totp.toString() };
  };

  /** Whether `login.requireTotp` covers this account. */
  const required = (account: Pick<Account, "isAdmin">): boolean =>
    deps.requirement === "all" || (deps.requirement === "admins" && account.isAdmin);

  return {
    required,

    async status(accountId: string) {
      const credential = await repo.find(accountId);
      return {
        enabled: credential?.enabled ?? false,
        pending: credential !== undefined && !credential.enabled,
        enabledAt: credential?.enabledAt ?? null,
        recoveryCodesLeft: credential?.enabled ? await repo.countRecoveryCodes(accountId) : 0,
      };
    },

    /**
     * Starts an enrolment with a fresh secret (not enabled until confirmed with a code); with
     * `reuse`, an unconfirmed enrolment already under way is shown again instead. Undefined when
     * TOTP is already enabled.
     */
    async start(account: Pick<Account, "id" | "username">, options: { reuse?: boolean } = {}) {
      const existing = await repo.find(account.id);
      if (existing?.enabled) return undefined;
      if (existing && options.reuse) return enrolmentOf(account, existing.secretSealed);
      const sealed = box.seal(account.id, new Secret({ size: SECRET_BYTES }).bytes);
      if (!(await repo.putPending(account.id, sealed, clock.now()))) return undefined;
      return enrolmentOf(account, sealed);
    },

    /** Enables TOTP once a code from the new device checks out; returns the recovery codes (shown once). */
    async confirm(account: Pick<Account, "id" | "username">, code: string, context: TotpContext) {
      const outcome = await check(account, code, context, { recovery: false, pending: true });
      if (!outcome.ok) return outcome;
      if (outcome.step === undefined) return { ok: false as const, reason: "not_enrolled" as const };
      const { codes, hashes } = await freshRecoveryCodes(account.id);
      if (!(await repo.enable(account.id, outcome.step, hashes, clock.now())))
        return { ok: false as const, reason: "not_enrolled" as const };
      await record(account, "totp.enabled", "success", null, context);
      return { ok: true as const, recoveryCodes: codes };
    },

    /** The second step of a login: a current code or a recovery code, audited as `login`/`totp`. */
    async verifyLogin(account: Pick<Account, "id" | "username">, code: string, context: TotpContext) {
      const outcome = await check(account, code, context, { recovery: true });
      if (outcome.ok)
        await record(account, "login", "success", outcome.via === "totp" ? null : "recovery_code", context);
      else
        await record(
          account,
          "login",
          outcome.reason === "locked" ? "locked" : "failure",
          outcome.reason,
          context,
        );
      return outcome;
    },

    /** Turns TOTP off, proved by a current code or a recovery code. */
    async disable(account: Pick<Account, "id" | "username">, code: string, context: TotpContext) {
      const outcome = await check(account, code, context, { recovery: true });
      if (outcome.ok) {
        await repo.delete(account.id);
        await record(account, "totp.disabled", "success", null, context);
      }
      return outcome;
    },

    /** New recovery codes (the old ones stop working), proved by a current code or a recovery code. */
    async regenerateRecoveryCodes(
      account: Pick<Account, "id" | "username">,
      code: string,
      context: TotpContext,
    ) {
      const outcome = await check(account, code, context, { recovery: true });
      if (!outcome.ok) return outcome;
      const { codes, hashes } = await freshRecoveryCodes(account.id);
      await repo.replaceRecoveryCodes(account.id, hashes, clock.now());
      await record(account, "totp.recovery_codes", "success", null, context);
      return { ok: true as const, recoveryCodes: codes };
    },

    /** An administrator removes a lost device; the user enrols again (forced at login if required). */
    async reset(account: Pick<Account, "id" | "username">, actor: { accountId: string | null }) {
      const removed = await repo.delete(account.id);
      if (removed)
        await audit.record({
          event: "totp.reset",
          method: "api",
          accountId: actor.accountId,
          username: account.username,
          result: "ok",
          reason: `second factor of ${account.username} removed by an administrator`,
          ip: null,
          userAgent: null,
        });
      return removed;
    },

    /**
     * Whether the password grant must refuse this account: it carries no second factor, so it
     * cannot be used by accounts with TOTP enabled or required. Audited when it refuses.
     */
    async refusesPasswordGrant(account: Pick<Account, "id" | "username" | "isAdmin">, context: TotpContext) {
      const refused = required(account) || (await repo.find(account.id))?.enabled === true;
      if (refused) await record(account, "login", "failure", "second_factor_required", context);
      return refused;
    },
  };
}

export type TotpService = ReturnType<typeof createTotpService>;
