/**
 * Device-flow user codes (RFC 8628).
 *
 * - §6.1: the user code is typed by a person, so it is short, case-insensitive and drawn from a
 *   reduced alphabet; the server normalises what was typed (upper case, separators removed).
 * - §6.1: "The user code SHOULD have enough entropy that when combined with rate limiting and
 *   other mitigations makes a brute-force attack infeasible." Eight characters from 20 give
 *   20^8 ≈ 2.56e10 ≈ 2^34.6 codes. With, say, 10^4 codes pending at once and the `/device` page
 *   limited to a few hundred guesses per client per hour, an attacker's chance of hitting any
 *   live code is about 10^4 / 2.56e10 ≈ 4e-7 per guess, so ~ 1e-4 per hour even from a botnet
 *   of a few hundred addresses, and every code lives only minutes. That is the RFC's example
 *   (§6.1: 8 characters of 20 consonants, 2^34.6) and suffices only together with those limits.
 * - §6.1: the alphabet avoids vowels (no words are spelled, offensive or otherwise) and digits
 *   (no 0/O, 1/I confusion), and codes are shown with a dash (`BCDF-GHJK`) for readability.
 * - Generated with node:crypto `randomInt`, which is uniform (no modulo bias).
 */
import { randomInt } from "node:crypto";

export const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
export const USER_CODE_LENGTH = 8;

/** A fresh code in display form, e.g. `BCDF-GHJK`. */
export function generateUserCode(): string {
  let code = "";
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

const TYPED = /^[\x20-\x7e\t]*$/;
const STORED = new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`);

/**
 * What the user typed, in storage form (`BCDFGHJK`), or `null` when it cannot be a user code.
 * Only ASCII is accepted before upper-casing, so `ß` → `SS` or `ı` → `I` cannot forge letters.
 */
export function normaliseUserCode(input: string): string | null {
  if (input.length > 64 || !TYPED.test(input)) return null;
  const code = input.toUpperCase().replace(/[\s-]/g, "");
  return STORED.test(code) ? code : null;
}
