export interface AuthorizationCode {
  codeHash: string;
  clientId: string;
  accountId: string;
  redirectUri: string;
  scope: string[];
  audiences: string[];
  nonce: string | null;
  /** S256 challenge; null only for confidential clients that sent none. */
  codeChallenge: string | null;
  authTime: number;
  /** Family of the refresh tokens this code yields, so a replayed code can revoke them. */
  familyId: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface AuthorizationCodeRepository {
  create(code: AuthorizationCode): Promise<void>;
  find(codeHash: string): Promise<AuthorizationCode | undefined>;
  /** False when the code was already used. */
  markUsed(codeHash: string, at: number): Promise<boolean>;
}
