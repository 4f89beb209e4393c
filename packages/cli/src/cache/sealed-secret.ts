import { createCipheriv, createDecipheriv, randomBytes, type ScryptOptions, scrypt } from "node:crypto";
import { CliError } from "../errors.js";

/**
 * A secret encrypted with a passphrase: scrypt derives a 256-bit key from the passphrase and a
 * random 16-byte salt; AES-256-GCM encrypts with a random 12-byte nonce and authenticates the
 * ciphertext together with `aad` (the account and issuer, so a sealed token cannot be moved to
 * another cache entry). Only node:crypto primitives, composed; nothing hand-rolled.
 */
export interface SealedSecret {
  alg: "scrypt+A256GCM";
  n: number;
  r: number;
  p: number;
  salt: string;
  nonce: string;
  ciphertext: string;
  tag: string;
}

const DEFAULT_COST = { n: 2 ** 15, r: 8, p: 1 };

function deriveKey(
  passphrase: string,
  salt: Buffer,
  cost: { n: number; r: number; p: number },
): Promise<Buffer> {
  const options: ScryptOptions = {
    N: cost.n,
    r: cost.r,
    p: cost.p,
    maxmem: 256 * cost.n * cost.r + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize("NFC"), salt, 32, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function sealSecret(plaintext: string, passphrase: string, aad: string): Promise<SealedSecret> {
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const key = await deriveKey(passphrase, salt, DEFAULT_COST);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return {
    alg: "scrypt+A256GCM",
    ...DEFAULT_COST,
    salt: salt.toString("base64url"),
    nonce: nonce.toString("base64url"),
    ciphertext: ciphertext.toString("base64url"),
    tag: cipher.getAuthTag().toString("base64url"),
  };
}

export async function openSecret(sealed: SealedSecret, passphrase: string, aad: string): Promise<string> {
  if (sealed.alg !== "scrypt+A256GCM") throw new CliError(`unsupported encryption ${String(sealed.alg)}`);
  const key = await deriveKey(passphrase, Buffer.from(sealed.salt, "base64url"), sealed);
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.nonce, "base64url"));
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(Buffer.from(sealed.tag, "base64url"));
  try {
    return Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertext, "base64url")),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw new CliError("wrong passphrase: cannot decrypt the refresh token (check TESSERA_PASSPHRASE)");
  }
}
