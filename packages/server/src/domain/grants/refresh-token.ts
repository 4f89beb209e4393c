/** A refresh token as stored: only the hash of the secret handed to the client. */
export interface RefreshToken {
  tokenHash: string;
  /** Every token rotated from one grant shares a family; reuse of any old member revokes it whole. */
  familyId: string;
  clientId: string;
  accountId: string;
  /** The scope of the original grant: a refresh may narrow the access token, never this. */
  scope: string[];
  audiences: string[];
  authTime: number;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

export interface RefreshTokenRepository {
  create(token: RefreshToken): Promise<void>;
  find(tokenHash: string): Promise<RefreshToken | undefined>;
  /**
   * Rotation in one step: when the token is the client's, unspent, unrevoked and unexpired at
   * `at`, marks it used and stores its successor (same family, grant and audiences; the hash and
   * expiry given), and returns the spent token; undefined otherwise (then `find` tells why).
   */
  rotate(
    tokenHash: string,
    clientId: string,
    at: number,
    successor: { tokenHash: string; expiresAt: number },
  ): Promise<RefreshToken | undefined>;
  revokeFamily(familyId: string, at: number): Promise<void>;
  revokeForAccount(accountId: string, at: number): Promise<void>;
  revokeForClient(clientId: string, at: number): Promise<void>;
  /** One account's grants to one client (the account withdrew its consent). */
  revokeForAccountAndClient(accountId: string, clientId: string, at: number): Promise<void>;
}
