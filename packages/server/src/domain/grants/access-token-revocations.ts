/** JWT access tokens revoked before they expire (RFC 7009), by `jti`; rows go when the token would have. */
export interface AccessTokenRevocations {
  revoke(jti: string, expiresAt: number): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
}
