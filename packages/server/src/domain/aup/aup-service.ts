import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { InvalidInputError } from "../errors.js";
import type { Aup, AupRepository } from "./aup.js";

const DAY_MS = 86_400_000;

export interface AupStatus {
  aup: Aup | null;
  signedAt: number | null;
  /** When the signature stops counting; null: never (or nothing to sign). */
  expiresAt: number | null;
  /** True when the account must (re)sign before using Tessera. */
  mustSign: boolean;
}

/**
 * The AUP as INDIGO IAM runs it: administrators set the text (or a link) and a signature validity
 * in days (0 = sign once); a user whose signature is missing or stale signs at the next sign-in
 * and gets no tokens until they do. Editing the text does not by itself void signatures.
 */
export function createAupService(deps: { repo: AupRepository; audit: AuditLog; clock: Clock }) {
  const { repo, clock } = deps;

  async function status(accountId: string): Promise<AupStatus> {
    const aup = await repo.get();
    if (!aup) return { aup: null, signedAt: null, expiresAt: null, mustSign: false };
    const signedAt = (await repo.signedAt(accountId)) ?? null;
    const expiresAt = signedAt !== null && aup.validityDays > 0 ? signedAt + aup.validityDays * DAY_MS : null;
    const mustSign = signedAt === null || (expiresAt !== null && expiresAt <= clock.now());
    return { aup, signedAt, expiresAt, mustSign };
  }

  return {
    current: () => repo.get(),
    status,
    async mustSign(accountId: string): Promise<boolean> {
      return (await status(accountId)).mustSign;
    },

    async set(
      actor: string | null,
      input: { text: string; url: string | null; validityDays: number },
    ): Promise<Aup> {
      if (!input.text.trim() && !input.url)
        throw new InvalidInputError("invalid_aup", "give the AUP text, a URL, or both");
      if (input.url !== null && !/^https?:\/\/\S+$/.test(input.url))
        throw new InvalidInputError("invalid_aup", "url must be an http(s) URL");
      if (!Number.isInteger(input.validityDays) || input.validityDays < 0 || input.validityDays > 3650) {
        throw new InvalidInputError("invalid_aup", "validity_days must be a whole number from 0 to 3650");
      }
      const aup: Aup = {
        text: input.text.slice(0, 100_000),
        url: input.url,
        validityDays: input.validityDays,
        updatedAt: clock.now(),
      };
      await repo.put(aup);
      await deps.audit.record({
        accountId: actor,
        username: null,
        event: "aup.updated",
        method: null,
        result: "ok",
        reason: `validity ${aup.validityDays} days`,
        ip: null,
        userAgent: null,
      });
      return aup;
    },

    async remove(actor: string | null): Promise<void> {
      await repo.remove();
      await deps.audit.record({
        accountId: actor,
        username: null,
        event: "aup.removed",
        method: null,
        result: "ok",
        reason: null,
        ip: null,
        userAgent: null,
      });
    },

    async sign(
      account: { id: string; username: string },
      context: { ip: string | null; userAgent: string | null },
    ): Promise<void> {
      await repo.sign(account.id, clock.now());
      await deps.audit.record({
        accountId: account.id,
        username: account.username,
        event: "aup.signed",
        method: null,
        result: "ok",
        reason: null,
        ...context,
      });
    },
  };
}

export type AupService = ReturnType<typeof createAupService>;
