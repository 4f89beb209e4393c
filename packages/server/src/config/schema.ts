import { LIFETIMES } from "@tessera/profile";

/**
 * Every configuration option, documented where it is defined. The YAML key is the dotted path
 * (`tokens.accessTokenLifetime`); the environment variable is given explicitly. docs/config.md is
 * generated from this table (`npm run docs:config -w @tessera/server`).
 */
export type OptionType =
  | { kind: "string"; pattern?: RegExp; patternHint?: string }
  | { kind: "url"; protocols: readonly string[] }
  | { kind: "port" }
  | { kind: "int"; min: number; max: number }
  | { kind: "duration"; min: number; max: number }
  | { kind: "enum"; values: readonly string[] }
  | { kind: "boolean" };

export interface OptionSpec {
  readonly path: string;
  readonly env: string;
  readonly type: OptionType;
  readonly default?: string | number | boolean;
  readonly secret?: boolean;
  readonly doc: string;
}

const life = LIFETIMES;

export const OPTIONS: readonly OptionSpec[] = [
  {
    path: "issuer",
    env: "TESSERA_ISSUER",
    type: { kind: "url", protocols: ["http:", "https:"] },
    default: "http://localhost:8080",
    doc: "Public base URL of this server: the `iss` of every token and the base of every endpoint. Use https in production; cookies are `Secure` then.",
  },
  {
    path: "host",
    env: "TESSERA_HOST",
    type: { kind: "string" },
    default: "127.0.0.1",
    doc: "Address to listen on. `0.0.0.0` or `::` to accept connections from other machines (behind a proxy).",
  },
  {
    path: "port",
    env: "TESSERA_PORT",
    type: { kind: "port" },
    default: 8080,
    doc: "TCP port to listen on.",
  },
  {
    path: "dataDir",
    env: "TESSERA_DATA_DIR",
    type: { kind: "string" },
    default: "./data",
    doc: "Directory for the SQLite database and the generated key-encryption key. Created on first start with mode 0700.",
  },
  {
    path: "databaseUrl",
    env: "TESSERA_DATABASE_URL",
    type: { kind: "url", protocols: ["postgres:", "postgresql:"] },
    secret: true,
    doc: "`postgres://user:password@host:port/db` switches storage to PostgreSQL. Unset: SQLite in the data directory.",
  },
  {
    path: "databasePreparedStatements",
    env: "TESSERA_DATABASE_PREPARED_STATEMENTS",
    type: { kind: "boolean" },
    default: true,
    doc: "PostgreSQL only: name each query so that every connection parses and plans it once (on the token endpoint this halves PostgreSQL's CPU per refresh). Set `false` behind a connection pooler in transaction mode that cannot carry prepared statements (PgBouncer before 1.21, or without `max_prepared_statements`).",
  },
  {
    path: "trustProxy",
    env: "TESSERA_TRUST_PROXY",
    type: {
      kind: "string",
      pattern: /^(false|true|\d{1,2}|[0-9A-Fa-f:.]+(\/\d{1,3})?(\s*,\s*[0-9A-Fa-f:.]+(\/\d{1,3})?)*)$/,
      patternHint: "false, a number of proxy hops, or a comma-separated list of proxy addresses/CIDRs",
    },
    default: "false",
    doc: "Which reverse proxies may set `X-Forwarded-For` / `X-Forwarded-Proto`: `false` (none), the number of proxy hops in front of Tessera, or their addresses/CIDRs (`10.0.0.0/8, ::1`). Needed for correct client IPs in audit records and throttling. `true` trusts any client's header and lets it pick its own IP: avoid it.",
  },
  {
    path: "logLevel",
    env: "TESSERA_LOG_LEVEL",
    type: { kind: "enum", values: ["fatal", "error", "warn", "info", "debug", "trace", "silent"] },
    default: "info",
    doc: "Log level of the JSON log on standard output.",
  },
  {
    path: "bootstrap.token",
    env: "TESSERA_BOOTSTRAP_TOKEN",
    type: { kind: "string", pattern: /^.{32,}$/, patternHint: "at least 32 characters" },
    secret: true,
    doc: "A bearer accepted as administrator by the REST and SCIM APIs and as the initial access token at `/register`, so automation can set up a fresh server (the REST and SCIM APIs are not built yet). Unset: disabled.",
  },
  {
    path: "bootstrap.adminUsername",
    env: "TESSERA_ADMIN_USERNAME",
    type: { kind: "string", pattern: /^[a-z0-9][a-z0-9._-]{1,63}$/, patternHint: "2-64 of a-z 0-9 . _ -" },
    default: "admin",
    doc: "Username of the first administrator, created when the database has no account.",
  },
  {
    path: "bootstrap.adminPassword",
    env: "TESSERA_ADMIN_PASSWORD",
    type: { kind: "string", pattern: /^.{12,}$/, patternHint: "at least 12 characters" },
    secret: true,
    doc: "Password of the first administrator. Unset: a one-time password is generated and printed once to the log.",
  },
  {
    path: "bootstrap.adminEmail",
    env: "TESSERA_ADMIN_EMAIL",
    type: { kind: "string", pattern: /^[^@\s]+@[^@\s]+$/, patternHint: "an email address" },
    default: "admin@localhost",
    doc: "Email of the first administrator.",
  },
  {
    path: "keys.algorithm",
    env: "TESSERA_KEY_ALGORITHM",
    type: { kind: "enum", values: ["RS256", "ES256"] },
    default: "RS256",
    doc: "Signature algorithm of new signing keys: RS256 (RSA-2048, the WLCG default) or ES256 (P-256).",
  },
  {
    path: "keys.encryptionKey",
    env: "TESSERA_KEY_ENCRYPTION_KEY",
    type: {
      kind: "string",
      pattern: /^[A-Za-z0-9_-]{43}$/,
      patternHint: "32 bytes, base64url without padding (43 characters)",
    },
    secret: true,
    doc: "Key that encrypts private signing keys at rest (AES-256-GCM). Unset: generated into `<dataDir>/key-encryption.key` with a warning; set it explicitly for several nodes.",
  },
  {
    path: "keys.rotationInterval",
    env: "TESSERA_KEY_ROTATION_INTERVAL",
    type: { kind: "duration", min: life.signingKey.min, max: life.signingKey.max },
    default: "182d",
    doc: "Age after which the signing key is replaced automatically (WLCG: 6 months recommended, 2 days to 12 months).",
  },
  {
    path: "keys.reloadInterval",
    env: "TESSERA_KEY_RELOAD_INTERVAL",
    // Below the shortest prepublication (5 minutes): every node publishes a scheduled key before it signs.
    type: { kind: "duration", min: 1, max: 299 },
    default: "30s",
    doc: "How often each node rereads the signing keys from the database, so a key rotated on one node is published by all. A token signed with a key this node has not seen yet makes it reread at once (at most once a second).",
  },
  {
    path: "keys.prepublish",
    env: "TESSERA_KEY_PREPUBLISH",
    type: { kind: "duration", min: 300, max: life.verifierKeyCache.max },
    default: "1h",
    doc: "How long a new key is published in the JWKS before it signs, so verifiers that cache the JWKS know it in time.",
  },
  {
    path: "tokens.accessTokenLifetime",
    env: "TESSERA_ACCESS_TOKEN_LIFETIME",
    type: { kind: "duration", min: life.accessToken.min, max: life.accessToken.max },
    default: life.accessToken.recommended,
    doc: "Lifetime of access tokens (WLCG: 20 min recommended, 5 min to 6 h).",
  },
  {
    path: "tokens.idTokenLifetime",
    env: "TESSERA_ID_TOKEN_LIFETIME",
    type: { kind: "duration", min: life.accessToken.min, max: life.accessToken.max },
    default: life.accessToken.recommended,
    doc: "Lifetime of ID tokens (WLCG: 20 min recommended, 5 min to 6 h).",
  },
  {
    path: "tokens.refreshTokenLifetime",
    env: "TESSERA_REFRESH_TOKEN_LIFETIME",
    type: { kind: "duration", min: life.refreshToken.min, max: life.refreshToken.max },
    default: life.refreshToken.recommended,
    doc: "Lifetime of refresh tokens (WLCG: 10 days recommended, 1 to 30 days).",
  },
  {
    path: "organisationName",
    env: "TESSERA_ORGANISATION_NAME",
    type: { kind: "string", pattern: /^.{1,128}$/, patternHint: "1 to 128 characters" },
    default: "tessera",
    doc: "The `organisation_name` claim of ID tokens (INDIGO IAM's name for it; PanDA shows it as Organization).",
  },
  {
    path: "device.codeLifetime",
    env: "TESSERA_DEVICE_CODE_LIFETIME",
    type: { kind: "duration", min: 60, max: 3600 },
    default: "10m",
    doc: "How long a device code (RFC 8628) waits for the user's approval.",
  },
  {
    path: "device.pollInterval",
    env: "TESSERA_DEVICE_POLL_INTERVAL",
    type: { kind: "duration", min: 1, max: 60 },
    default: "5s",
    doc: "Minimum seconds between a device's polls of the token endpoint; faster polling gets `slow_down`.",
  },
  {
    path: "authorizationCodeLifetime",
    env: "TESSERA_AUTHORIZATION_CODE_LIFETIME",
    type: { kind: "duration", min: 10, max: 600 },
    default: "60s",
    doc: "Lifetime of authorization codes (RFC 6749 recommends at most 10 minutes).",
  },
  {
    path: "session.lifetime",
    env: "TESSERA_SESSION_LIFETIME",
    type: { kind: "duration", min: 300, max: 30 * 86_400 },
    default: "12h",
    doc: "Absolute lifetime of a browser session.",
  },
  {
    path: "session.idleTimeout",
    env: "TESSERA_SESSION_IDLE_TIMEOUT",
    type: { kind: "duration", min: 60, max: 30 * 86_400 },
    default: "2h",
    doc: "A browser session unused for this long ends.",
  },
  {
    path: "login.accountFailureLimit",
    env: "TESSERA_LOGIN_ACCOUNT_FAILURE_LIMIT",
    type: { kind: "int", min: 1, max: 1000 },
    default: 5,
    doc: "Failed logins for one username before it is locked for a growing delay.",
  },
  {
    path: "login.ipFailureLimit",
    env: "TESSERA_LOGIN_IP_FAILURE_LIMIT",
    type: { kind: "int", min: 1, max: 100_000 },
    default: 30,
    doc: "Failed logins from one client IP before that address is locked for a growing delay.",
  },
  {
    path: "login.lockoutBase",
    env: "TESSERA_LOGIN_LOCKOUT_BASE",
    type: { kind: "duration", min: 1, max: 3600 },
    default: "30s",
    doc: "First lockout delay; it doubles with each further failure.",
  },
  {
    path: "login.lockoutMax",
    env: "TESSERA_LOGIN_LOCKOUT_MAX",
    type: { kind: "duration", min: 1, max: 86_400 },
    default: "15m",
    doc: "Longest lockout delay, so a lockout can never shut a victim out for good.",
  },
  {
    path: "login.requireTotp",
    env: "TESSERA_LOGIN_REQUIRE_TOTP",
    type: { kind: "enum", values: ["never", "admins", "all"] },
    default: "never",
    doc: "Who must use a TOTP second factor (RFC 6238): `never` (optional for everyone), `admins` (administrators) or `all`. Someone covered who has not enrolled is sent to an enrolment page after the password, before any session starts; federated logins of covered accounts ask for the code too (otherwise they stay single-factor: the upstream provider authenticates). The password grant is refused to covered accounts and to any account with TOTP enabled.",
  },
  {
    path: "rateLimits.window",
    env: "TESSERA_RATE_LIMIT_WINDOW",
    type: { kind: "duration", min: 1, max: 3600 },
    default: "1m",
    doc: "Window of the request rate limits: each limit below counts requests per window (fixed windows, counted in the database so they hold across nodes). Over a limit, the answer is `429 Too Many Requests` with `Retry-After` (RFC 6585), as problem JSON (an HTML page to browsers).",
  },
  {
    path: "rateLimits.oauthPerIp",
    env: "TESSERA_RATE_LIMIT_OAUTH_PER_IP",
    type: { kind: "int", min: 0, max: 10_000_000 },
    default: 600,
    doc: "Requests per window from one client IP (an IPv6 /64) to `/token`, `/devicecode`, `/introspect` and `/revoke` together. 0: no limit.",
  },
  {
    path: "rateLimits.oauthPerClient",
    env: "TESSERA_RATE_LIMIT_OAUTH_PER_CLIENT",
    type: { kind: "int", min: 0, max: 10_000_000 },
    default: 1200,
    doc: "Requests per window naming one client id (HTTP Basic or `client_id`) to `/token`, `/devicecode`, `/introspect` and `/revoke` together, from any address. 0: no limit.",
  },
  {
    path: "rateLimits.registerPerIp",
    env: "TESSERA_RATE_LIMIT_REGISTER_PER_IP",
    type: { kind: "int", min: 0, max: 10_000_000 },
    default: 60,
    doc: "Client registrations (`POST /register`, RFC 7591) per window from one client IP. 0: no limit.",
  },
  {
    path: "rateLimits.formsPerIp",
    env: "TESSERA_RATE_LIMIT_FORMS_PER_IP",
    type: { kind: "int", min: 0, max: 10_000_000 },
    default: 120,
    doc: "Requests per window from one client IP to each of: sign-in (`POST /login`, `/login/totp`), sign-up (`POST /signup`, `POST /api/v1/registrations`), password reset (`POST /login/reset`, `/login/reset/confirm`) and user-code entry (`/device`). Failed logins, wrong user codes and sign-ups also have their own, finer throttles (`login.*`). 0: no limit.",
  },
  {
    path: "registration.open",
    env: "TESSERA_REGISTRATION_OPEN",
    type: { kind: "boolean" },
    default: true,
    doc: "Whether anyone may register a client at `/register` (RFC 7591), as INDIGO IAM allows: oidc-agent and the `tessera` CLI register themselves. Open registration never grants `password` or `client_credentials`, nor scopes outside `registration.allowedScopes`. `false`: only requests bearing `TESSERA_BOOTSTRAP_TOKEN` may register.",
  },
  {
    path: "registration.allowedScopes",
    env: "TESSERA_REGISTRATION_ALLOWED_SCOPES",
    type: {
      kind: "string",
      pattern: /^[\x21\x23-\x5b\x5d-\x7e]+( +[\x21\x23-\x5b\x5d-\x7e]+)*$/,
      patternHint: "space-separated scopes",
    },
    default: "openid profile email offline_access wlcg wlcg.groups",
    doc: "Scopes a client registered without the bootstrap token may ask for (and gets when it names none); a bare `wlcg.groups` covers `wlcg.groups:<group>`. Storage and compute scopes are for clients registered with `TESSERA_BOOTSTRAP_TOKEN`.",
  },
  {
    path: "registration.tokenLifetime",
    env: "TESSERA_REGISTRATION_TOKEN_LIFETIME",
    type: { kind: "duration", min: 3600, max: 3650 * 86_400 },
    default: "365d",
    doc: "How long a registration access token (RFC 7592, for reading, updating or deleting a dynamically registered client) stays valid (IAM #892).",
  },
  {
    path: "registration.unusedClientLifetime",
    env: "TESSERA_REGISTRATION_UNUSED_CLIENT_LIFETIME",
    type: { kind: "duration", min: 86_400, max: 3650 * 86_400 },
    default: "90d",
    doc: "Clients registered at `/register` without an owner or the bootstrap token's privileges are deleted by housekeeping once older than this and holding no grant (no refresh token, code or device authorization): oidc-agent and CLI registrations nobody uses any more (IAM #680). Clients with client credentials or token exchange are never deleted this way.",
  },

  {
    path: "signup.mode",
    env: "TESSERA_SIGNUP_MODE",
    type: { kind: "enum", values: ["moderated", "closed"] },
    default: "moderated",
    doc: "Whether people may ask for an account at `/signup` (and `POST /api/v1/registrations`). `moderated`: the applicant proves their email address, then an administrator approves or rejects the request (INDIGO IAM's flow). `closed`: no sign-up; administrators create accounts. (Client registration at `/register` is `registration.open`.)",
  },
  {
    path: "mail.smtpUrl",
    env: "TESSERA_SMTP_URL",
    type: { kind: "url", protocols: ["smtp:", "smtps:"] },
    secret: true,
    doc: "SMTP server for outgoing mail (email verification, registration decisions, password reset): `smtp://host:25`, `smtp://user:password@host:587` (STARTTLS when offered) or `smtps://host:465`. Unset: mail is disabled and the server logs that it would have sent a message (never its link).",
  },
  {
    path: "mail.from",
    env: "TESSERA_MAIL_FROM",
    type: {
      kind: "string",
      pattern: /^[^\r\n]{3,256}$/,
      patternHint: "a sender address, optionally with a display name",
    },
    default: "Tessera <noreply@localhost>",
    doc: "Sender of Tessera's mail (`From:`), e.g. `CMS IAM <iam@cern.ch>`.",
  },
  {
    path: "gateway.port",
    env: "TESSERA_GATEWAY_PORT",
    type: { kind: "port" },
    doc: "A second TCP port (on `host`) serving only the gateway (`GET /auth`, `/auth/anonymous`, `/healthz`), without the per-request plumbing of the full application: point nginx's `auth_request` here on busy sites. The gateway routes stay on `port` as well. Unset: no second listener.",
  },
  {
    path: "gateway.auditDecisions",
    env: "TESSERA_GATEWAY_AUDIT_DECISIONS",
    type: { kind: "boolean" },
    default: false,
    doc: "Whether every `GET /auth` decision (allowed, refused and why) is written to the audit log. Off by default: the gateway answers every request nginx protects.",
  },
  {
    path: "maintenance.interval",
    env: "TESSERA_MAINTENANCE_INTERVAL",
    type: { kind: "duration", min: 1, max: 86_400 },
    default: "10m",
    doc: "How often the housekeeping job deletes expired codes, tokens, sessions and lockout counters, in batches (one node at a time on PostgreSQL, by advisory lock). `tessera-server maintenance` runs one pass by hand.",
  },
  {
    path: "maintenance.auditRetention",
    env: "TESSERA_MAINTENANCE_AUDIT_RETENTION",
    type: { kind: "duration", min: 86_400, max: 3650 * 86_400 },
    default: "400d",
    doc: "How long audit events, token history, rejected or expired sign-up requests and retired signing keys are kept before housekeeping deletes them.",
  },
];
