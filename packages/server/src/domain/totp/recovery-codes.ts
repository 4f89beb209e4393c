import { createHash, randomInt } from "node:crypto";

/** How many recovery codes an account gets at a time. */
export const RECOVERY_CODE_COUNT = 10;
// 16 characters from 31 unambiguous ones (no 0/o, 1/l/i): about 79 random bits, easy to type.
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
const LENGTH = 16;

/** Ten fresh codes, shown once as `xxxx-xxxx-xxxx-xxxx`. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
    return chars.match(/.{4}/g)?.join("-") ?? chars;
  });
}

/** The code as typed, without separators and case; undefined when it cannot be a recovery code. */
export function normaliseRecoveryCode(input: string): string | undefined {
  const code = input.toLowerCase().replace(/[\s-]/g, "");
  return code.length === LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

/**
 * SHA-256 of the account id and the normalised code: codes of about 79 random bits need no slow hash, and the
 * account id keeps equal hashes from lining up across accounts.
 */
export function hashRecoveryCode(accountId: string, normalised: string): string {
  return createHash("sha256").update(`${accountId}:${normalised}`).digest("base64url");
}
