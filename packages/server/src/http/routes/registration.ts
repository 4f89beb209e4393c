/**
 * Dynamic client registration (RFC 7591) at `/register` and client configuration (RFC 7592) at
 * `/register/:clientId`.
 *
 * - RFC 7591 §3: the body is a JSON object (`application/json`); anything else is
 *   `invalid_client_metadata`. Open registration (`registration.open`, on by default, as INDIGO
 *   IAM: oidc-agent and the tessera CLI register themselves) or the initial access token
 *   (TESSERA_BOOTSTRAP_TOKEN, RFC 6750 bearer, compared in constant time), which also unlocks the
 *   privileged grants and scopes. A wrong initial access token, or none while registration is
 *   closed, is 401 `invalid_token` with an RFC 6750 §3 challenge.
 * - RFC 7591 §3.2.1: 201 with `client_id`, `client_secret` (generated, stored hashed),
 *   `client_id_issued_at`, `client_secret_expires_at: 0`, `registration_access_token`,
 *   `registration_client_uri` and the registered metadata; RFC 6749 §5.1 `Cache-Control: no-store`.
 * - RFC 7591 §3.2.2: errors are 400 `{error, error_description}`.
 * - RFC 7592 §2: the registration access token is a bearer checked against its stored hash; a
 *   missing or wrong token and an unknown client all give the same 401 `invalid_token`, so the
 *   endpoint does not reveal which client ids exist. §2.1 read (200), §2.2 update (200; the body's
 *   client_id must match, and client_secret, if sent, must be the current one), §2.3 delete
 *   (204; refresh tokens, codes and device codes go with the client).
 */
import { parseScope, splitScopeString } from "@tessera/profile";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../config/load.js";
import type { Client } from "../../domain/clients/client.js";
import type { ClientService } from "../../domain/clients/client-service.js";
import { safeEqual } from "../../domain/secrets/random-secret.js";
import {
  type ClientMetadata,
  clientInformation,
  type RegistrationPolicy,
  usesClientSecret,
  validateClientMetadata,
} from "../../protocol/client-metadata.js";
import type { OwnAccessTokenVerifier } from "../../protocol/own-access-token.js";
import { SUPPORTED_GRANT_TYPES } from "../../protocol/token-endpoint.js";
import { OAuthError, sendOAuthError, sendOAuthJson } from "../oauth-replies.js";

export interface RegistrationDeps {
  config: Pick<Config, "issuer" | "bootstrap" | "registration">;
  clients: ClientService;
  /** Recognises a user's access token at /register: the client is then registered as theirs. */
  accessTokens?: Pick<OwnAccessTokenVerifier, "active">;
}

/** Clients one account may register for itself (IAM #652: owners, within limits). */
const MAX_OWNED_CLIENTS = 50;

const BEARER = /^Bearer +(\S+) *$/i;

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  return BEARER.exec(header)?.[1] ?? "";
}

/** 401 with the RFC 6750 §3 challenge; no error code in it when no token was sent (§3.1). */
function sendInvalidToken(reply: FastifyReply, presented: boolean, description: string) {
  reply.header(
    "www-authenticate",
    presented ? 'Bearer realm="tessera", error="invalid_token"' : 'Bearer realm="tessera"',
  );
  return sendOAuthError(reply, new OAuthError("invalid_token", description));
}

function jsonBody(request: FastifyRequest): unknown {
  const type = (request.headers["content-type"] ?? "").toLowerCase().split(";")[0]?.trim();
  if (type !== "application/json" || typeof request.body !== "string") {
    throw new OAuthError("invalid_client_metadata", "the request body must be an application/json object");
  }
  try {
    return JSON.parse(request.body);
  } catch {
    throw new OAuthError("invalid_client_metadata", "the request body is not valid JSON");
  }
}

export function registrationRoutes(app: FastifyInstance, deps: RegistrationDeps): void {
  const { config, clients } = deps;
  const allowedScopes = splitScopeString(config.registration.allowedScopes);
  for (const item of allowedScopes) {
    const parsed = parseScope(item);
    if (!parsed.ok) throw new Error(`registration.allowedScopes: ${item}: ${parsed.error.message}`);
  }
  const bootstrapToken = config.bootstrap.token;
  const clientUri = (clientId: string) => `${config.issuer}/register/${encodeURIComponent(clientId)}`;
  const policy = (privileged: boolean, current?: Client): RegistrationPolicy => ({
    supportedGrantTypes: SUPPORTED_GRANT_TYPES,
    allowedScopes,
    privileged,
    ...(current ? { current: { grantTypes: current.grantTypes, scopes: current.scopes } } : {}),
  });
  const settings = (metadata: ClientMetadata) => ({
    clientName: metadata.clientName,
    authMethod: metadata.authMethod,
    applicationType: metadata.applicationType,
    redirectUris: metadata.redirectUris,
    postLogoutRedirectUris: metadata.postLogoutRedirectUris,
    grantTypes: metadata.grantTypes,
    scopes: metadata.scopes,
    jwks: metadata.jwks,
  });

  /** The client a registration access token manages; undefined for any failure, alike. */
  async function managedClient(request: FastifyRequest): Promise<Client | undefined> {
    const token = bearerToken(request);
    const clientId = (request.params as { clientId: string }).clientId;
    const client = token ? await clients.find(clientId) : undefined;
    if (!token || !client) return undefined;
    return clients.registrationTokenMatches(client, token) ? client : undefined;
  }

  const oauthErrors =
    (run: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        return await run(request, reply);
      } catch (error) {
        if (error instanceof OAuthError) return sendOAuthError(reply, error);
        throw error;
      }
    };

  // A context of its own, so the body reaches the handler unparsed and every malformed request
  // (wrong media type, broken JSON) gets an RFC 7591 error rather than the generic problem JSON.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));

    scope.post(
      "/register",
      oauthErrors(async (request, reply) => {
        const token = bearerToken(request);
        const privileged =
          token !== undefined && bootstrapToken !== undefined && safeEqual(token, bootstrapToken);
        // A user's own access token registers the client as theirs (IAM #652), with the limits of
        // open registration; any other bearer is refused.
        const owner =
          token !== undefined && !privileged ? (await deps.accessTokens?.active(token))?.account : undefined;
        if (token !== undefined && !privileged && !owner) {
          return sendInvalidToken(reply, true, "the initial access token is not valid");
        }
        if (!privileged && !owner && !config.registration.open) {
          return sendInvalidToken(reply, false, "registration needs an initial access token");
        }
        if (owner && (await clients.countOwnedBy(owner.id)) >= MAX_OWNED_CLIENTS) {
          throw new OAuthError(
            "invalid_client_metadata",
            `an account may register at most ${MAX_OWNED_CLIENTS} clients`,
          );
        }
        const metadata = validateClientMetadata(jsonBody(request), policy(privileged));
        const registered = await clients.register(
          { ...settings(metadata), ...(owner ? { ownerAccountId: owner.id } : {}) },
          { registrationToken: config.registration.tokenLifetime },
        );
        return sendOAuthJson(reply, 201, {
          ...clientInformation(registered.client, metadata.echoed),
          ...(registered.clientSecret ? { client_secret: registered.clientSecret } : {}),
          registration_access_token: registered.registrationAccessToken,
          registration_client_uri: clientUri(registered.client.clientId),
        });
      }),
    );

    // RFC 7592 §3 returns the current client_secret on read; only its hash is stored, so it is
    // left out (a client that lost it registers anew, or changes method to get a new one).
    scope.get(
      "/register/:clientId",
      oauthErrors(async (request, reply) => {
        const client = await managedClient(request);
        if (!client) return sendInvalidToken(reply, bearerToken(request) !== undefined, "not authorized");
        return sendOAuthJson(reply, 200, {
          ...clientInformation(client),
          registration_access_token: bearerToken(request),
          registration_client_uri: clientUri(client.clientId),
        });
      }),
    );

    scope.put(
      "/register/:clientId",
      oauthErrors(async (request, reply) => {
        const client = await managedClient(request);
        if (!client) return sendInvalidToken(reply, bearerToken(request) !== undefined, "not authorized");
        const body = jsonBody(request);
        const given = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
        if (given.client_id !== client.clientId) {
          throw new OAuthError("invalid_client_metadata", "client_id must be the client's current client_id");
        }
        if (given.client_secret !== undefined) {
          if (
            typeof given.client_secret !== "string" ||
            !clients.secretMatches(client, given.client_secret)
          ) {
            throw new OAuthError(
              "invalid_client_metadata",
              "client_secret does not match the current secret",
            );
          }
        }
        const metadata = validateClientMetadata(body, policy(false, client));
        const hadSecret = usesClientSecret(client.authMethod);
        const needsSecret = usesClientSecret(metadata.authMethod);
        const updated: Client = {
          ...client,
          ...settings(metadata),
          secretHash: needsSecret ? client.secretHash : null,
        };
        // A new secret only when the client moves to a secret method from one without.
        const newSecret = needsSecret && !hadSecret ? await clients.rotateSecret(updated) : undefined;
        if (newSecret === undefined) await clients.update(updated);
        const stored = (await clients.find(client.clientId)) ?? updated;
        return sendOAuthJson(reply, 200, {
          ...clientInformation(stored, metadata.echoed),
          ...(newSecret ? { client_secret: newSecret } : {}),
          registration_access_token: bearerToken(request),
          registration_client_uri: clientUri(client.clientId),
        });
      }),
    );

    scope.delete(
      "/register/:clientId",
      oauthErrors(async (request, reply) => {
        const client = await managedClient(request);
        if (!client) return sendInvalidToken(reply, bearerToken(request) !== undefined, "not authorized");
        await clients.delete(client.clientId);
        return reply.code(204).header("cache-control", "no-store").send();
      }),
    );
  });
}
