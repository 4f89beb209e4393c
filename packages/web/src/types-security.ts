/** The REST API's shapes for the user's own security settings (see /api/openapi.json, tag "me"). */
export interface TotpStatus {
  enabled: boolean;
  pending: boolean;
  required: boolean;
  enabled_at: string | null;
  recovery_codes_left: number;
}
export interface TotpEnrolment {
  secret: string;
  otpauth_uri: string;
  /** An SVG data URI of the otpauth URI. */
  qr_code: string;
}
export interface SessionInfo {
  id: string;
  current: boolean;
  created_at: string | null;
  last_seen_at: string | null;
  expires_at: string | null;
  ip: string;
  user_agent: string;
}
export interface SignIn {
  id: number;
  at: string | null;
  method: string | null;
  result: string;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
}
export interface ConsentInfo {
  client_id: string;
  client_name: string | null;
  scopes: string[];
  created_at: string;
  updated_at: string;
}
export interface LinkableProvider {
  id: string;
  name: string;
  link_path: string;
}
