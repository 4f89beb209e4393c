import { hash, verify } from "@node-rs/argon2";

/**
 * argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): about 25 ms per
 * hash on one core of the reference machine, see bench/password-login.
 */
export const ARGON2_PARAMETERS = {
  // Algorithm.Argon2id: a const enum, which verbatimModuleSyntax cannot import.
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMETERS);
}

// Verified against when the username is unknown, so that a miss costs as much time as a hit
// and response times do not reveal which usernames exist.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(
  storedHash: string | null | undefined,
  password: string,
): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hashPassword("tessera-timing-equaliser");
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;
