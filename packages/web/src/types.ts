/** The REST API's JSON shapes the dashboard reads (see /api/openapi.json). */
export interface Account {
  id: string;
  username: string;
  name: string;
  email: string;
  status: string;
  is_admin: boolean;
  ends_at: string | null;
  created_at: string | null;
}
export interface Me {
  via: string;
  account: Account | null;
}
export interface Page<T> {
  items: T[];
  next?: string;
}
export interface Group {
  id: string;
  name: string;
  parent_id: string | null;
  description: string;
  optional: boolean;
  created_at: string | null;
}
export interface MyGroup {
  group: Group;
  group_id: string;
  manager: boolean;
  ends_at: string | null;
}
export interface GroupRequest {
  id: string;
  group_id: string;
  account_id: string;
  motivation: string;
  status: string;
  reason: string | null;
  created_at: string | null;
  decided_at: string | null;
  username?: string;
  display_name?: string;
}
export interface Identity {
  id: string;
  provider: string;
  subject: string;
  email: string | null;
  username: string | null;
  last_login_at: string | null;
}
export interface AupStatus {
  aup: { text: string; url: string | null; validity_days: number } | null;
  signed_at: string | null;
  expires_at: string | null;
  must_sign: boolean;
}
export interface UserToken {
  key: string;
  kind: string;
  name: string;
  scopes: string[];
  created_at: string | null;
  last_used_at: string | null;
  expires_at: string | null;
}
export interface TokenHistory {
  id: number;
  token_key: string;
  action: string;
  actor: string;
  ip: string | null;
  at: string | null;
}
export interface Registration {
  id: string;
  username: string;
  name: string;
  email: string;
  notes: string;
  status: string;
  email_confirmed_at: string | null;
  created_at: string | null;
}
export interface Client {
  client_id: string;
  client_name?: string;
  grant_types: string[];
  redirect_uris?: string[];
  scope?: string;
  token_endpoint_auth_method: string;
  client_secret?: string;
  application_type?: string;
  post_logout_redirect_uris?: string[];
  jwks?: unknown;
  audiences?: string[];
  access_token_lifetime?: number | null;
  refresh_token_lifetime?: number | null;
  suspended_at?: string | null;
}
export interface Policy {
  id: string;
  description: string;
  rule: "permit" | "deny";
  level: string;
  account_id: string | null;
  group_id: string | null;
  scopes: string[];
  matching: "exact" | "path" | "regex";
}
export interface Decision {
  scope: string;
  permitted: boolean;
  level: string | null;
  policy_id: string | null;
  reason: string;
}
export interface SigningKey {
  kid: string;
  alg: string;
  state: string;
  created_at: string | null;
  signs_from: string | null;
  signs_until: string | null;
}
export interface AuditEvent {
  id: number;
  at: string | null;
  username: string | null;
  event: string;
  method: string | null;
  result: string;
  reason: string | null;
  ip: string | null;
}
/** A member of a group, as managers and administrators see it. */
export interface Member {
  group_id: string;
  account_id: string;
  username: string;
  display_name: string;
  manager: boolean;
  ends_at: string | null;
}
/** Anyone's token, as administrators list them. */
export interface AnyToken extends UserToken {
  account_id: string;
  created_by: string;
}
export interface ExchangePolicy {
  id: string;
  origin_client_id: string;
  destination_client_id: string;
  allow_refresh: boolean;
  scope_ceiling: string[];
}
