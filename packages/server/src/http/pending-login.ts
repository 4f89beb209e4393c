import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Account } from "../domain/accounts/account.js";
import type { Clock } from "../domain/clock.js";
import type { TotpService } from "../domain/totp/totp-service.js";
import type { CookieSettings } from "./cookies.js";

/** A login that passed its first factor and waits for the second; no session exists yet. */
export interface PendingLogin {
  accountId: string;
  /** `verify`: ask for a code; `enrol`: TOTP is required and the account has none yet. */
  step: "verify" | "enrol";
  /** Where to go after sign-in (already checked by safeRedirectTarget). */
  redirectTo: string | null;
  expiresAt: number;
}

/** Five minutes to type a code, as most authenticator-based logins allow. */
export const PENDING_LOGIN_SECONDS = 300;

/**
 * The second step of a login. After a correct password (or a federated sign-in of an account
 * that must use TOTP), no session starts: the account and the redirect target travel in a
 * short-lived cookie sealed with AES-256-GCM (like federation-state.ts: authenticated, so it
 * cannot be forged or pointed at another account or target; any node can open it), and the
 * browser goes to `/login/totp` or, when TOTP is required but missing, `/login/totp/enrol`.
 * Replaying the cookie gains nothing: each use needs a fresh code.
 */
export function createPendingLogins(deps: {
  key: Uint8Array;
  cookies: CookieSettings;
  totp: TotpService;
  clock: Clock;
}) {
  const { cookies, totp, clock } = deps;
  const key = Buffer.from(hkdfSync("sha256", deps.key, "tessera", "pending login cookie", 32));
  const cookieName = `${cookies.sessionName.startsWith("__Host-") ? "__Host-" : ""}tessera_pending_login`;

  function seal(state: PendingLogin): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(state), "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
  }

  function open(sealed: string | undefined): PendingLogin | undefined {
    if (!sealed || sealed.length > 2048) return undefined;
    try {
      const raw = Buffer.from(sealed, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
      return JSON.parse(text) as PendingLogin;
    } catch {
      return undefined;
    }
  }

  return {
    /**
     * Called after the first factor. Returns where to send the browser when a second step is
     * due (setting the pending cookie), or undefined when the session may start now. Password
     * logins ask whenever TOTP is enabled; federated ones only when `login.requireTotp` covers
     * the account (the upstream provider authenticated the person; its own MFA is its business).
     */
    async begin(
      reply: FastifyReply,
      account: Pick<Account, "id" | "isAdmin">,
      redirectTo: string | null,
      via: "password" | "federated",
    ): Promise<string | undefined> {
      const required = totp.required(account);
      const { enabled } = await totp.status(account.id);
      if (!enabled && !required) return undefined;
      if (via === "federated" && !required) return undefined;
      const step = enabled ? "verify" : "enrol";
      const expiresAt = clock.now() + PENDING_LOGIN_SECONDS * 1000;
      reply.setCookie(
        cookieName,
        seal({ accountId: account.id, step, redirectTo, expiresAt }),
        cookies.options(PENDING_LOGIN_SECONDS),
      );
      return step === "verify" ? "/login/totp" : "/login/totp/enrol";
    },

    /** The pending login this browser carries, if it is intact and unexpired. */
    current(request: FastifyRequest): PendingLogin | undefined {
      const state = open(request.cookies[cookieName]);
      return state && state.expiresAt > clock.now() ? state : undefined;
    },

    clear(request: FastifyRequest, reply: FastifyReply): void {
      if (request.cookies[cookieName] !== undefined) reply.clearCookie(cookieName, cookies.options());
    },
  };
}

export type PendingLogins = ReturnType<typeof createPendingLogins>;
