import type { Generated } from "kysely";

/** Table shapes as Kysely sees them. Times are epoch milliseconds; booleans are 0/1 on both databases. */
export interface Database {
  accounts: AccountsTable;
  sessions: SessionsTable;
  login_throttle: LoginThrottleTable;
  audit_events: AuditEventsTable;
  signing_keys: SigningKeysTable;
}

export interface AccountsTable {
  id: string;
  username: string;
  name: string;
  email: string;
  status: string;
  password_hash: string | null;
  is_admin: number;
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
