import type { Generated } from "kysely";

/** Table shapes as Kysely sees them. Times are epoch milliseconds; booleans are 0/1 on both databases. */
export interface Database {
  aup: { id: string; text: string; url: string | null; validity_days: number; updated_at: number };
  aup_signatures: { account_id: string; signed_at: number };
  scope_policies: ScopePoliciesTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  group_requests: GroupRequestsTable;
  accounts: AccountsTable;
  sessions: SessionsTable;
  login_throttle: LoginThrottleTable;
  rate_limits: RateLimitsTable;
  audit_events: AuditEventsTable;
  signing_keys: SigningKeysTable;
  clients: ClientsTable;
  authorization_codes: AuthorizationCodesTable;
  device_authorizations: DeviceAuthorizationsTable;
  refresh_tokens: RefreshTokensTable;
  revoked_access_tokens: { jti: string; expires_at: number };
  one_time_ids: { id: string; expires_at: number };
  token_exchange_policies: TokenExchangePoliciesTable;
  consents: ConsentsTable;
  registrations: RegistrationsTable;
  password_resets: PasswordResetsTable;
  identities: IdentitiesTable;
  totp_credentials: TotpCredentialsTable;
  totp_recovery_codes: { account_id: string; code_hash: string; created_at: number };
  user_tokens: UserTokensTable;
  token_history: TokenHistoryTable;
}

export interface AccountsTable {
  id: string;
  username: string;
  name: string;
  email: string;
  status: string;
  password_hash: string | null;
  is_admin: number;
  ends_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id_hash: string;
  account_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ip: string;
  user_agent: string;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  locked_until: number;
  last_failure_at: number;
}

export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  account_id: string | null;
  username: string | null;
  event: string;
  method: string | null;
  result: string;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwe: string;
  created_at: number;
  signs_from: number;
  signs_until: number | null;
  published_until: number | null;
}

/** Lists (redirect URIs, grant types, audiences) are JSON arrays in text columns. */
export interface ClientsTable {
  client_id: string;
  client_name: string;
  secret_hash: string | null;
  auth_method: string;
  application_type: string;
  redirect_uris: string;
  grant_types: string;
  scope: string;
  audiences: string;
  access_token_lifetime: number | null;
  refresh_token_lifetime: number | null;
  jwks: string | null;
  owner_account_id: string | null;
  registration_token_hash: string | null;
  created_at: number;
  updated_at: number;
  /** 1: a trusted client, configured by an administrator, that skips the consent page. */
  skip_consent: number;
  post_logout_redirect_uris: string;
  suspended_at: number | null;
  registration_token_expires_at: number | null;
}

export interface AuthorizationCodesTable {
  code_hash: string;
  client_id: string;
  account_id: string;
  redirect_uri: string;
  scope: string;
  audiences: string;
  nonce: string | null;
  code_challenge: string | null;
  auth_time: number;
  family_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface DeviceAuthorizationsTable {
  device_code_hash: string;
  user_code: string;
  client_id: string;
  scope: string;
  audiences: string;
  status: string;
  account_id: string | null;
  auth_time: number | null;
  interval: number;
  last_polled_at: number | null;
  created_at: number;
  expires_at: number;
}

export interface RefreshTokensTable {
  token_hash: string;
  family_id: string;
  client_id: string;
  account_id: string;
  scope: string;
  audiences: string;
  auth_time: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

export interface GroupsTable {
  id: string;
  name: string;
  parent_id: string | null;
  description: string;
  optional: number;
  created_at: number;
}

export interface GroupMembersTable {
  group_id: string;
  account_id: string;
  manager: number;
  ends_at: number | null;
  created_at: number;
}

export interface GroupRequestsTable {
  id: string;
  group_id: string;
  account_id: string;
  motivation: string;
  status: string;
  decided_by: string | null;
  reason: string | null;
  created_at: number;
  decided_at: number | null;
}

/** Remembered consent: the scopes an account approved for a client, space-separated. */
export interface ConsentsTable {
  account_id: string;
  client_id: string;
  scope: string;
  created_at: number;
  updated_at: number;
}

/** RFC 8693 exchange policies; either client id may be `*`. The scope ceiling is space-separated. */
export interface TokenExchangePoliciesTable {
  id: string;
  origin_client_id: string;
  destination_client_id: string;
  allow_refresh: number;
  scope_ceiling: string;
  created_at: number;
}

export interface ScopePoliciesTable {
  id: string;
  description: string;
  rule: string;
  account_id: string | null;
  group_id: string | null;
  scopes: string;
  matching: string;
  created_at: number;
  updated_at: number;
}

/** An upstream identity (provider, subject) linked to an account. */
export interface IdentitiesTable {
  id: string;
  account_id: string;
  provider: string;
  subject: string;
  email: string | null;
  username: string | null;
  created_at: number;
  last_login_at: number | null;
}

/** Sign-up requests; the password hash is kept only until the request is decided. */
export interface RegistrationsTable {
  id: string;
  username: string;
  name: string;
  email: string;
  notes: string;
  password_hash: string | null;
  aup_accepted_at: number;
  status: string;
  email_token_hash: string | null;
  email_token_expires_at: number;
  email_confirmed_at: number | null;
  account_id: string | null;
  decided_by: string | null;
  reason: string | null;
  ip: string | null;
  created_at: number;
  decided_at: number | null;
}

/** Password-reset links: SHA-256 of the emailed secret, single use. */
export interface PasswordResetsTable {
  token_hash: string;
  account_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Tessera tokens `tsr_<key>.<secret>`: SHA-256 of the secret; scopes space-separated. */
export interface UserTokensTable {
  token_key: string;
  secret_hash: string;
  account_id: string;
  kind: string;
  name: string | null;
  scopes: string;
  service: string | null;
  parent_key: string | null;
  parent_session: string | null;
  delegation_key: string | null;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}

/** Every create, edit, revoke and expiry of a token; old and new values as JSON. */
export interface TokenHistoryTable {
  id: Generated<number>;
  token_key: string;
  account_id: string;
  kind: string;
  action: string;
  actor: string | null;
  old_values: string | null;
  new_values: string | null;
  ip: string | null;
  at: number;
}

/** TOTP (RFC 6238): the secret sealed under a key derived from the key-encryption key, never in clear. */
export interface TotpCredentialsTable {
  account_id: string;
  secret_sealed: string;
  enabled: number;
  last_step: number | null;
  created_at: number;
  enabled_at: number | null;
}
