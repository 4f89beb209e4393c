/**
 * Client metadata at dynamic registration (RFC 7591) and its management (RFC 7592).
 *
 * - RFC 7591 §2: unknown fields are ignored; the server "MAY reject or replace any of the client's
 *   requested metadata values"; `grant_types` defaults to `["authorization_code"]`,
 *   `token_endpoint_auth_method` to `client_secret_basic`; `jwks` and `jwks_uri` MUST NOT both be
 *   present. A value of the wrong JSON type is `invalid_client_metadata` (§3.2.2).
 * - RFC 7591 §2.1: `response_types` and `grant_types` must agree: `code` iff `authorization_code`
 *   (implicit and hybrid responses are not offered). Omitted `response_types` follow the grants.
 * - RFC 7591 §2 / §3.2.2: every redirect URI obeys protocol/redirect-uri.ts, else
 *   `invalid_redirect_uri`; RFC 6749 §3.1.2.2 / RFC 9700 §2.1: clients of the authorization code
 *   grant must register at least one.
 * - RFC 6749 §4.4 (client_credentials) and RFC 9700 §2.4 (password): these two grants are not
 *   offered through open registration; only a registration presenting the initial access token
 *   (TESSERA_BOOTSTRAP_TOKEN) may ask for them. client_credentials needs a confidential client.
 * - RFC 7591 §2 `token_endpoint_auth_method`: one of client_secret_basic, client_secret_post,
 *   private_key_jwt (RFC 7523) and none (a public client, which any application type may choose).
 *   private_key_jwt needs an inline `jwks` (RFC 7517) of public keys only: a key carrying private
 *   or symmetric members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`) is refused, and `jwks_uri`
 *   is not supported.
 * - RFC 7591 §2 `scope`: space-separated; each must be well formed under the WLCG profile
 *   (@tessera/profile parseScope) and within what the registration may ask for: the configured
 *   open set (a bare `wlcg.groups` covers `wlcg.groups:<group>`, since membership decides the
 *   claim), plus anything with the initial access token. Omitted: the whole allowed set.
 * - RFC 7591 §2 `client_name`: at most 256 characters, no control characters; `application_type`
 *   (OIDC Dynamic Client Registration §2): `web` (default) or `native`. Human-facing URLs
 *   (`client_uri`, `logo_uri`, `tos_uri`, `policy_uri`) must be https URLs; they are echoed in the
 *   response but not stored.
 * - RFC 7592 §2.2: on update, grants and scopes the client already holds stay allowed, so a client
 *   set up with the initial access token can still rewrite its own metadata.
 */
import { formatScope, narrowScopes, parseScope, splitScopeString } from "@tessera/profile";
import { CLIENT_AUTH_METHODS, type Client, type ClientAuthMethod } from "../domain/clients/client.js";
import { CLIENT_ASSERTION_ALGORITHMS } from "./client-credentials.js";
import { GRANT_TYPES } from "./grant-types.js";
import { OAuthError } from "./oauth-error.js";
import { checkRedirectUriForRegistration } from "./redirect-uri.js";

export const MAX_CLIENT_NAME_LENGTH = 256;
export const DEFAULT_CLIENT_NAME = "unnamed client";
const MAX_REDIRECT_URIS = 32;
const MAX_JWKS_KEYS = 16;
/** JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
const PUBLIC_KEY_TYPES: ReadonlySet<string> = new Set(["RSA", "EC", "OKP"]);
const INFORMATIONAL_URLS = ["client_uri", "logo_uri", "tos_uri", "policy_uri"] as const;
/** Grants that only a registration with the initial access token may request. */
const PRIVILEGED_GRANTS: ReadonlySet<string> = new Set([GRANT_TYPES.password, GRANT_TYPES.clientCredentials]);
const SECRET_METHODS: ReadonlySet<ClientAuthMethod> = new Set(["client_secret_basic", "client_secret_post"]);

export interface RegistrationPolicy {
  /** Grant types the server speaks (the token endpoint's SUPPORTED_GRANT_TYPES). */
  supportedGrantTypes: readonly string[];
  /** Scopes open registration may ask for (well formed; parametric ones cover sub-paths). */
  allowedScopes: readonly string[];
  /** The initial access token was presented: any supported grant and any well-formed scope. */
  privileged: boolean;
  /** On update (RFC 7592): what the client already holds stays allowed. */
  current?: { grantTypes: readonly string[]; scopes: readonly string[] };
}

/** Validated metadata: the ClientSettings to store, plus what is only echoed back. */
export interface ClientMetadata {
  clientName: string;
  applicationType: "web" | "native";
  authMethod: ClientAuthMethod;
  redirectUris: string[];
  /** OIDC RP-Initiated Logout 1.0 §3.1; the same rules as redirect URIs. */
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  scopes: string[];
  jwks: { keys: object[] } | null;
  /** Accepted and returned in the response, not stored. */
  echoed: Record<string, unknown>;
}

const invalid = (description: string) => new OAuthError("invalid_client_metadata", description);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function stringList(body: Record<string, unknown>, name: string): string[] | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === "string")) {
    throw invalid(`${name} must be an array of strings`);
  }
  return [...new Set(value)];
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalid(`${name} must be a string`);
  return value;
}

function clientName(body: Record<string, unknown>): string {
  const name = optionalString(body, "client_name");
  if (name === undefined) return DEFAULT_CLIENT_NAME;
  if (name.length === 0 || name.length > MAX_CLIENT_NAME_LENGTH) {
    throw invalid(`client_name must have 1 to ${MAX_CLIENT_NAME_LENGTH} characters`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name))
    throw invalid("client_name must not contain control characters");
  return name;
}

function applicationType(body: Record<string, unknown>): "web" | "native" {
  const type = optionalString(body, "application_type") ?? "web";
  if (type !== "web" && type !== "native") throw invalid("application_type must be web or native");
  return type;
}

function authMethod(body: Record<string, unknown>): ClientAuthMethod {
  const method = optionalString(body, "token_endpoint_auth_method") ?? "client_secret_basic";
  if (!(CLIENT_AUTH_METHODS as readonly string[]).includes(method)) {
    throw invalid(`token_endpoint_auth_method must be one of ${CLIENT_AUTH_METHODS.join(", ")}`);
  }
  return method as ClientAuthMethod;
}

function grantTypes(body: Record<string, unknown>, policy: RegistrationPolicy): string[] {
  const grants = stringList(body, "grant_types") ?? [GRANT_TYPES.authorizationCode];
  if (grants.length === 0) throw invalid("grant_types must not be empty");
  for (const grant of grants) {
    if (!policy.supportedGrantTypes.includes(grant)) throw invalid(`grant type ${grant} is not supported`);
    if (PRIVILEGED_GRANTS.has(grant) && !policy.privileged && !policy.current?.grantTypes.includes(grant)) {
      throw invalid(`grant type ${grant} needs the initial access token`);
    }
  }
  return grants;
}

function responseTypes(body: Record<string, unknown>, grants: readonly string[]): string[] {
  const code = grants.includes(GRANT_TYPES.authorizationCode);
  const types = stringList(body, "response_types") ?? (code ? ["code"] : []);
  for (const type of types) {
    if (type !== "code") throw invalid(`response type ${type} is not supported (only code)`);
  }
  if (code !== types.includes("code")) {
    throw invalid("response_types must contain code exactly when grant_types contain authorization_code");
  }
  return types;
}

function redirectUris(
  body: Record<string, unknown>,
  type: "web" | "native",
  grants: readonly string[],
): string[] {
  let uris: string[];
  try {
    uris = stringList(body, "redirect_uris") ?? [];
  } catch {
    throw new OAuthError("invalid_redirect_uri", "redirect_uris must be an array of strings");
  }
  if (uris.length > MAX_REDIRECT_URIS) {
    throw new OAuthError("invalid_redirect_uri", `at most ${MAX_REDIRECT_URIS} redirect_uris`);
  }
  for (const uri of uris) {
    const problem = checkRedirectUriForRegistration(uri, type);
    if (problem !== null) throw new OAuthError("invalid_redirect_uri", problem);
  }
  if (uris.length === 0 && grants.includes(GRANT_TYPES.authorizationCode)) {
    throw new OAuthError("invalid_redirect_uri", "the authorization_code grant needs redirect_uris");
  }
  return uris;
}

function postLogoutRedirectUris(body: Record<string, unknown>, type: "web" | "native"): string[] {
  const uris = stringList(body, "post_logout_redirect_uris") ?? [];
  if (uris.length > MAX_REDIRECT_URIS)
    throw invalid(`at most ${MAX_REDIRECT_URIS} post_logout_redirect_uris`);
  for (const uri of uris) {
    const problem = checkRedirectUriForRegistration(uri, type);
    if (problem !== null) throw invalid(`post_logout_${problem}`);
  }
  return uris;
}

function publicJwks(value: unknown): { keys: object[] } {
  if (!isObject(value) || !Array.isArray(value.keys)) throw invalid("jwks must be a JWK Set ({keys: [...]})");
  const keys = value.keys;
  if (keys.length === 0 || keys.length > MAX_JWKS_KEYS) {
    throw invalid(`jwks must hold 1 to ${MAX_JWKS_KEYS} keys`);
  }
  for (const key of keys) {
    if (!isObject(key) || typeof key.kty !== "string")
      throw invalid("every key in jwks must be a JWK with kty");
    if (PRIVATE_JWK_MEMBERS.some((member) => member in key)) {
      throw invalid("jwks must hold public keys only (a key has private or symmetric key material)");
    }
    if (!PUBLIC_KEY_TYPES.has(key.kty)) throw invalid(`key type ${key.kty} is not supported (RSA, EC, OKP)`);
  }
  return { keys: keys as object[] };
}

function jwks(body: Record<string, unknown>, method: ClientAuthMethod): { keys: object[] } | null {
  if (body.jwks_uri !== undefined && body.jwks_uri !== null) {
    throw invalid("jwks_uri is not supported; register the public keys inline as jwks");
  }
  const given = body.jwks === undefined || body.jwks === null ? null : publicJwks(body.jwks);
  if (method === "private_key_jwt" && given === null) throw invalid("private_key_jwt needs jwks");
  return given;
}

function scopes(body: Record<string, unknown>, policy: RegistrationPolicy): string[] {
  const given = optionalString(body, "scope");
  const allowed = [...policy.allowedScopes, ...(policy.current?.scopes ?? [])];
  if (given === undefined) return [...new Set(policy.allowedScopes)];
  const out: string[] = [];
  for (const item of splitScopeString(given)) {
    const parsed = parseScope(item);
    if (!parsed.ok) throw invalid(`scope ${item}: ${parsed.error.message}`);
    const canonical = formatScope(parsed.value);
    const covered =
      policy.privileged ||
      narrowScopes([canonical], allowed).includes(canonical) ||
      (parsed.value.kind === "groups" && allowed.includes("wlcg.groups"));
    if (!covered) throw invalid(`scope ${canonical} needs the initial access token`);
    if (!out.includes(canonical)) out.push(canonical);
  }
  return out;
}

function echoedFields(body: Record<string, unknown>, method: ClientAuthMethod): Record<string, unknown> {
  const echoed: Record<string, unknown> = {};
  for (const name of INFORMATIONAL_URLS) {
    const value = optionalString(body, name);
    if (value === undefined) continue;
    if (!URL.canParse(value) || new URL(value).protocol !== "https:")
      throw invalid(`${name} must be an https URL`);
    echoed[name] = value;
  }
  const contacts = stringList(body, "contacts");
  if (contacts !== undefined) echoed.contacts = contacts;
  const alg = optionalString(body, "token_endpoint_auth_signing_alg");
  if (alg !== undefined) {
    if (method !== "private_key_jwt" || !(CLIENT_ASSERTION_ALGORITHMS as readonly string[]).includes(alg)) {
      throw invalid(
        `token_endpoint_auth_signing_alg must be one of ${CLIENT_ASSERTION_ALGORITHMS.join(", ")} with private_key_jwt`,
      );
    }
    echoed.token_endpoint_auth_signing_alg = alg;
  }
  return echoed;
}

/** Validates a registration (or RFC 7592 update) request body; throws OAuthError. */
export function validateClientMetadata(body: unknown, policy: RegistrationPolicy): ClientMetadata {
  if (!isObject(body)) throw invalid("the request body must be a JSON object");
  const type = applicationType(body);
  const method = authMethod(body);
  const grants = grantTypes(body, policy);
  if (method === "none" && grants.includes(GRANT_TYPES.clientCredentials)) {
    throw invalid("client_credentials needs a client that authenticates (not none)");
  }
  const metadata: ClientMetadata = {
    clientName: clientName(body),
    applicationType: type,
    authMethod: method,
    redirectUris: redirectUris(body, type, grants),
    postLogoutRedirectUris: postLogoutRedirectUris(body, type),
    grantTypes: grants,
    responseTypes: responseTypes(body, grants),
    scopes: scopes(body, policy),
    jwks: jwks(body, method),
    echoed: {},
  };
  metadata.echoed = echoedFields(body, method);
  return metadata;
}

export function usesClientSecret(method: ClientAuthMethod): boolean {
  return SECRET_METHODS.has(method);
}

/**
 * The client information response (RFC 7591 §3.2.1, RFC 7592 §3) without the credentials, which
 * the caller adds: `client_id_issued_at` is in seconds; `client_secret_expires_at` is 0 (secrets
 * do not expire) and present whenever the client has a secret.
 */
export function clientInformation(
  client: Client,
  echoed: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    client_id: client.clientId,
    client_id_issued_at: Math.floor(client.createdAt / 1000),
    ...(usesClientSecret(client.authMethod) ? { client_secret_expires_at: 0 } : {}),
    client_name: client.clientName,
    application_type: client.applicationType,
    redirect_uris: client.redirectUris,
    ...(client.postLogoutRedirectUris.length > 0
      ? { post_logout_redirect_uris: client.postLogoutRedirectUris }
      : {}),
    grant_types: client.grantTypes,
    response_types: client.grantTypes.includes(GRANT_TYPES.authorizationCode) ? ["code"] : [],
    token_endpoint_auth_method: client.authMethod,
    scope: client.scopes.join(" "),
    ...(client.jwks ? { jwks: client.jwks } : {}),
    ...echoed,
  };
}
