import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface EncryptionKeySource {
  key: Uint8Array;
  /** Set when the key was generated into the data directory on this start. */
  generatedAt?: string;
}

const KEY_FILE = "key-encryption.key";

/**
 * The 32-byte key that encrypts private signing keys. From the configuration when set;
 * otherwise read from, or generated into, `<dataDir>/key-encryption.key` (mode 0600).
 */
export function resolveEncryptionKey(configured: string | undefined, dataDir: string): EncryptionKeySource {
  if (configured) return { key: Buffer.from(configured, "base64url") };
  const file = join(dataDir, KEY_FILE);
  try {
    const text = readFileSync(file, "utf8").trim();
    const key = Buffer.from(text, "base64url");
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64url key`);
    return { key };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // "wx": never overwrite a key another process wrote meanwhile.
  try {
    writeFileSync(file, `${key.toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return resolveEncryptionKey(undefined, dataDir);
    throw error;
  }
  return { key, generatedAt: file };
}
