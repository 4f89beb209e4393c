import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 256 random bits, base64url: the form of every bearer secret Tessera hands out. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/**
 * Secrets Tessera issues are high-entropy, so a plain SHA-256 is the right storage form: it cannot
 * be reversed or brute-forced, and lookups by hash stay a single indexed query.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}

/** Constant-time string equality (for values of any length; lengths leak, contents do not). */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash("sha256").update(a).digest();
  const right = createHash("sha256").update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}
