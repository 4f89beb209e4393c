import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";

/**
 * Seals TOTP secrets at rest with AES-256-GCM under a key derived (HKDF-SHA-256) from the
 * key-encryption key, so a copy of the database alone yields no secret. The account id is the
 * additional authenticated data: a sealed secret copied onto another account's row fails to open.
 */
export function createTotpSecretBox(keyEncryptionKey: Uint8Array) {
  const key = Buffer.from(hkdfSync("sha256", keyEncryptionKey, new Uint8Array(0), "tessera/totp-secret", 32));
  return {
    seal(accountId: string, secret: Uint8Array): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(accountId, "utf8"));
      const body = Buffer.concat([cipher.update(secret), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
    },
    /** The secret; throws when the value was tampered with, moved or sealed under another key. */
    open(accountId: string, sealed: string): Uint8Array {
      const [version, data] = sealed.split(".");
      if (version !== VERSION || !data) throw new Error("unknown TOTP secret format");
      const raw = Buffer.from(data, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(accountId, "utf8"));
      decipher.setAuthTag(raw.subarray(12, 28));
      return new Uint8Array(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]));
    },
  };
}

export type TotpSecretBox = ReturnType<typeof createTotpSecretBox>;
