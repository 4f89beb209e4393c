import { createPrivateKey, type KeyObject } from "node:crypto";
import {
  CompactEncrypt,
  calculateJwkThumbprint,
  compactDecrypt,
  exportJWK,
  generateKeyPair,
  type JWK,
} from "jose";
import type { Clock } from "../clock.js";
import { defaultSignOn, type SignOn, signCompactJwt } from "./compact-jws.js";
import type { SigningAlgorithm, SigningKeyRepository, StoredSigningKey } from "./signing-key.js";

export interface KeyRingOptions {
  repo: SigningKeyRepository;
  clock: Clock;
  algorithm: SigningAlgorithm;
  /** 32 bytes: encrypts private keys at rest. */
  encryptionKey: Uint8Array;
  /** Seconds after which the signing key is replaced. */
  rotationInterval: number;
  /** Seconds a new key is published before it signs. */
  prepublish: number;
  /** Seconds the longest-lived token signed by a key stays valid: how long a retired key stays published. */
  maxTokenLifetime: number;
  /** Seconds between reloads of the key set, so every node sees a rotation made elsewhere. */
  reloadInterval?: number;
  /** Where signatures are computed; by default the thread pool when the process has several cores. */
  signOn?: SignOn;
}

export interface Signer {
  kid: string;
  alg: SigningAlgorithm;
  key: KeyObject;
}

// Verifiers may run slow clocks; keep retired keys this much longer than the tokens they signed.
const SKEW_MS = 60_000;

export function createKeyRing(options: KeyRingOptions) {
  const { repo, clock } = options;
  const reloadMs = (options.reloadInterval ?? 30) * 1000;
  const signOn = options.signOn ?? defaultSignOn();
  let loaded: { at: number; keys: StoredSigningKey[]; signers: Map<string, Promise<Signer>> } | undefined;

  async function load(force = false) {
    const now = clock.now();
    if (!force && loaded && now - loaded.at < reloadMs) return loaded;
    const keys = await repo.listPublished(now);
    const signers = loaded?.signers ?? new Map<string, Promise<Signer>>();
    loaded = { at: now, keys, signers };
    return loaded;
  }

  async function newKey(signsFrom: number): Promise<StoredSigningKey> {
    const alg = options.algorithm;
    const pair = await generateKeyPair(
      alg,
      alg === "RS256" ? { modulusLength: 2048, extractable: true } : { extractable: true },
    );
    const publicJwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(pair.privateKey);
    const privateJwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(privateJwk)))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid })
      .encrypt(options.encryptionKey);
    return {
      kid,
      alg,
      publicJwk: { ...publicJwk, kid, alg, use: "sig" },
      privateJwe,
      createdAt: clock.now(),
      signsFrom,
      signsUntil: null,
      publishedUntil: null,
    };
  }

  async function toSigner(stored: StoredSigningKey): Promise<Signer> {
    const { plaintext } = await compactDecrypt(stored.privateJwe, options.encryptionKey).catch(() => {
      throw new Error(
        `signing key ${stored.kid} cannot be decrypted: is keys.encryptionKey the one it was stored with?`,
      );
    });
    const jwk = JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
    return { kid: stored.kid, alg: stored.alg, key: createPrivateKey({ key: jwk, format: "jwk" }) };
  }

  /** The key that signs now: the newest whose signing period has begun. */
  function activeKey(keys: StoredSigningKey[], now: number): StoredSigningKey | undefined {
    return keys
      .filter((k) => k.signsFrom <= now && (k.signsUntil === null || k.signsUntil > now))
      .sort((a, b) => b.signsFrom - a.signsFrom)[0];
  }

  const ring = {
    /**
     * Rotates to a new key: published now, signing after the prepublication delay, while the
     * current key signs until then and stays published until its last token has expired.
     * With `immediate`, the new key signs at once (first start, or a compromised key).
     */
    async rotate(immediate = false): Promise<StoredSigningKey> {
      const now = clock.now();
      const { keys } = await load(true);
      const current = activeKey(keys, now);
      const next = await newKey(immediate || !current ? now : now + options.prepublish * 1000);
      // The signing key and any key scheduled to sign later stop when the new one starts, and
      // stay published until the last token they may have signed has expired.
      const retire = keys
        .filter((k) => k.signsUntil === null || k.signsUntil > next.signsFrom)
        .map((k) => ({
          kid: k.kid,
          signsUntil: Math.max(k.signsFrom, next.signsFrom),
          publishedUntil: next.signsFrom + options.maxTokenLifetime * 1000 + SKEW_MS,
        }));
      const rotated = await repo.rotate(next, retire);
      const { keys: after } = await load(true);
      if (rotated) return next;
      // Another node rotated at the same moment: its key is the one to use.
      const winner = after.find((k) => k.signsUntil === null);
      if (!winner) throw new Error("key rotation failed and no other node's key is in place");
      return winner;
    },

    /** Creates the first key, and rotates when the signing key has reached its age. Idempotent. */
    async ensureCurrent(): Promise<void> {
      const now = clock.now();
      const { keys } = await load(true);
      const current = activeKey(keys, now);
      const pending = keys.some((k) => k.signsFrom > now);
      if (!current) {
        if (!pending) await ring.rotate(true);
        return;
      }
      if (!pending && now - current.signsFrom >= options.rotationInterval * 1000) await ring.rotate();
    },

    async signer(): Promise<Signer> {
      const now = clock.now();
      const state = await load();
      const active = activeKey(state.keys, now) ?? activeKey((await load(true)).keys, now);
      if (!active) throw new Error("no signing key is active: run ensureCurrent() at start");
      let signer = state.signers.get(active.kid);
      if (!signer) {
        signer = toSigner(active);
        state.signers.set(active.kid, signer);
      }
      return signer;
    },

    /** Signs a JWT with the active key; `kid` always set. */
    async sign(claims: Record<string, unknown>, typ: string): Promise<string> {
      const { kid, alg, key } = await ring.signer();
      return signCompactJwt({ alg, kid, typ }, claims, key, signOn);
    },

    /** Every published key with its schedule, for administrators (no private material). */
    async list() {
      const { keys } = await load(true);
      const now = clock.now();
      return keys.map((k) => ({
        kid: k.kid,
        alg: k.alg,
        createdAt: k.createdAt,
        signsFrom: k.signsFrom,
        signsUntil: k.signsUntil,
        publishedUntil: k.publishedUntil,
        state:
          k.signsFrom > now ? "next" : k.signsUntil === null || k.signsUntil > now ? "signing" : "retired",
      }));
    },

    /**
     * The public JWKS: keys about to sign, signing, and retired ones whose tokens may still be
     * valid. `reread` skips the reload interval (a verifier met a key it does not know: another
     * node may have rotated at once).
     */
    async jwks(reread = false): Promise<{ keys: JWK[] }> {
      const { keys } = await load(reread);
      const now = clock.now();
      return {
        keys: keys.filter((k) => k.publishedUntil === null || k.publishedUntil > now).map((k) => k.publicJwk),
      };
    },
  };
  return ring;
}

export type KeyRing = ReturnType<typeof createKeyRing>;
