import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { PendingAuthorization } from "../domain/federation/upstream.js";

/** What the browser carries from `/login/federated/:p` (or `/account/link/:p`) to the callback. */
export interface FederationState {
  provider: string;
  pending: PendingAuthorization;
  /** Where to go after sign-in (already checked by safeRedirectTarget). */
  redirectTo: string | null;
  /** Set when linking: the account that started the flow, which must still be signed in. */
  linkAccountId: string | null;
  expiresAt: number;
}

/**
 * The flow's state, nonce and PKCE verifier live in a short-lived cookie sealed with AES-256-GCM
 * (encrypted, so the verifier stays secret; authenticated, so it cannot be forged), not in a
 * table. Why: it binds the flow to the browser that started it (a callback replayed in another
 * browser has no cookie: login CSRF is refused), any node of a cluster can open it, and nothing
 * needs sweeping. Single use is enforced at the callback through the shared one-time-id table,
 * so a replayed callback with a copied cookie is refused on every node too.
 */
export function createFederationStateSealer(secret: Uint8Array) {
  const key = Buffer.from(hkdfSync("sha256", secret, "tessera", "federation state cookie", 32));
  return {
    seal(state: FederationState): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(state), "utf8"), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
    },
    /** The state, or undefined when the cookie is missing, tampered with or malformed. */
    open(sealed: string | undefined): FederationState | undefined {
      if (!sealed || sealed.length > 4096) return undefined;
      try {
        const raw = Buffer.from(sealed, "base64url");
        const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
        return JSON.parse(text) as FederationState;
      } catch {
        return undefined;
      }
    },
  };
}
