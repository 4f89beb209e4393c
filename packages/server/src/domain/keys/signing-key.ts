import type { JWK } from "jose";

export type SigningAlgorithm = "RS256" | "ES256";

export interface StoredSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  publicJwk: JWK;
  /** The private JWK as a compact JWE (dir + A256GCM) under the key-encryption key. */
  privateJwe: string;
  createdAt: number;
  /** Signs from this time on: later than createdAt by the prepublication delay. */
  signsFrom: number;
  /** Stops signing at this time; null while it is the newest key. */
  signsUntil: number | null;
  /** Leaves the JWKS at this time, once every token it signed has expired; null: published. */
  publishedUntil: number | null;
}

export interface SigningKeyRepository {
  /** Every key still published at `now` (or not yet signing), oldest first. */
  listPublished(now: number): Promise<StoredSigningKey[]>;
  /**
   * Inserts `next` and retires the given keys in one transaction; false (and no change) when
   * another node rotated first.
   */
  rotate(next: StoredSigningKey, retire: readonly KeyRetirement[]): Promise<boolean>;
}

export interface KeyRetirement {
  kid: string;
  signsUntil: number;
  publishedUntil: number;
}
