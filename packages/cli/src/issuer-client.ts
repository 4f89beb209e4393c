import * as oidc from "openid-client";
import { CliError } from "./errors.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Scopes asked for at login unless `--scope` says otherwise. */
export const DEFAULT_SCOPE = "openid profile email offline_access wlcg wlcg.groups";
export const DEFAULT_ISSUER = "http://localhost:8080";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * Plain HTTP is allowed only for a loopback issuer (a development server) or when
 * `TESSERA_INSECURE=1` says so; everything else must be HTTPS.
 */
export function parseIssuer(issuer: string, env: Env): { url: URL; insecure: boolean } {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new CliError(`invalid issuer URL "${issuer}"`);
  }
  if (url.protocol === "https:") return { url, insecure: false };
  if (url.protocol !== "http:") throw new CliError(`the issuer must be an https:// URL, not "${issuer}"`);
  if (LOOPBACK.has(url.hostname) || env.TESSERA_INSECURE === "1") return { url, insecure: true };
  throw new CliError(
    `refusing plain HTTP to ${url.host}: use https:// (or set TESSERA_INSECURE=1 for testing)`,
  );
}

function options(insecure: boolean): oidc.DiscoveryRequestOptions {
  return insecure ? { execute: [oidc.allowInsecureRequests] } : {};
}

/** Discovers the issuer's metadata and binds it to a public client (no client authentication). */
export async function connectIssuer(issuer: string, clientId: string, env: Env): Promise<oidc.Configuration> {
  const { url, insecure } = parseIssuer(issuer, env);
  return withReadableErrors(issuer, () =>
    oidc.discovery(url, clientId, undefined, oidc.None(), options(insecure)),
  );
}

export interface RegisteredClient {
  config: oidc.Configuration;
  clientId: string;
  registrationAccessToken?: string;
  registrationClientUri?: string;
}

/**
 * Registers the CLI as a public client (RFC 7591): no client secret, the device code and refresh
 * token grants, no redirect URIs. `TESSERA_REGISTRATION_TOKEN` is sent as the initial access
 * token when the server requires one.
 */
export async function registerPublicClient(issuer: string, env: Env): Promise<RegisteredClient> {
  const { url, insecure } = parseIssuer(issuer, env);
  const metadata: Partial<oidc.ClientMetadata> = {
    client_name: "tessera-cli",
    application_type: "native",
    token_endpoint_auth_method: "none",
    grant_types: ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
    response_types: [],
    redirect_uris: [],
  };
  const requestOptions: oidc.DynamicClientRegistrationRequestOptions = { ...options(insecure) };
  if (env.TESSERA_REGISTRATION_TOKEN) requestOptions.initialAccessToken = env.TESSERA_REGISTRATION_TOKEN;
  const config = await withReadableErrors(issuer, async () => {
    const probe = await oidc.discovery(url, "probe", undefined, oidc.None(), options(insecure));
    if (!probe.serverMetadata().registration_endpoint) {
      throw new CliError(`${issuer} does not offer dynamic client registration: pass --client ID`);
    }
    return oidc.dynamicClientRegistration(url, metadata, oidc.None(), requestOptions);
  });
  const registered = config.clientMetadata();
  const result: RegisteredClient = { config, clientId: registered.client_id };
  if (typeof registered.registration_access_token === "string") {
    result.registrationAccessToken = registered.registration_access_token;
  }
  if (typeof registered.registration_client_uri === "string") {
    result.registrationClientUri = registered.registration_client_uri;
  }
  return result;
}

/** Runs a request to the issuer, rewording network and protocol failures into one line. */
export async function withReadableErrors<T>(issuer: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CliError || error instanceof oidc.ResponseBodyError) throw error;
    if (error instanceof TypeError && error.message === "fetch failed") {
      const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
      throw new CliError(`cannot reach the issuer ${issuer}${code ? ` (${code})` : ""}`, 1, { cause: error });
    }
    if (error instanceof oidc.ClientError) {
      throw new CliError(`unexpected answer from ${issuer}: ${error.message}`, 1, { cause: error });
    }
    throw error;
  }
}
