/**
 * Identifiers of the grants and token types the server speaks.
 *
 * - RFC 6749 §4.1.3 `authorization_code`, §6 `refresh_token`, §4.4.2 `client_credentials`,
 *   §4.3.2 `password` (RFC 9700 §2.4: MUST NOT be used; kept only for clients allowed it).
 * - RFC 8628 §3.4 `urn:ietf:params:oauth:grant-type:device_code`.
 * - RFC 8693 §2.1 `urn:ietf:params:oauth:grant-type:token-exchange`, and §3 token type
 *   identifiers for `subject_token_type`, `actor_token_type`, `requested_token_type` and
 *   `issued_token_type`.
 */
export const GRANT_TYPES = {
  authorizationCode: "authorization_code",
  refreshToken: "refresh_token",
  clientCredentials: "client_credentials",
  password: "password",
  deviceCode: "urn:ietf:params:oauth:grant-type:device_code",
  tokenExchange: "urn:ietf:params:oauth:grant-type:token-exchange",
} as const;

export type GrantType = (typeof GRANT_TYPES)[keyof typeof GRANT_TYPES];

const GRANT_TYPE_VALUES: ReadonlySet<string> = new Set(Object.values(GRANT_TYPES));

export function isGrantType(value: string): value is GrantType {
  return GRANT_TYPE_VALUES.has(value);
}

export const TOKEN_TYPES = {
  accessToken: "urn:ietf:params:oauth:token-type:access_token",
  refreshToken: "urn:ietf:params:oauth:token-type:refresh_token",
  idToken: "urn:ietf:params:oauth:token-type:id_token",
  jwt: "urn:ietf:params:oauth:token-type:jwt",
} as const;

export type TokenType = (typeof TOKEN_TYPES)[keyof typeof TOKEN_TYPES];

const TOKEN_TYPE_VALUES: ReadonlySet<string> = new Set(Object.values(TOKEN_TYPES));

export function isTokenType(value: string): value is TokenType {
  return TOKEN_TYPE_VALUES.has(value);
}
