import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import { ConflictError } from "../errors.js";
import type { RefreshTokenRepository } from "../grants/refresh-token.js";
import { hashSecret, randomSecret, safeEqual } from "../secrets/random-secret.js";
import type { Client, ClientAuthMethod, ClientRepository } from "./client.js";

export interface ClientSettings {
  clientName: string;
  authMethod: ClientAuthMethod;
  applicationType?: "web" | "native";
  redirectUris?: string[];
  grantTypes: string[];
  scopes: string[];
  audiences?: string[];
  accessTokenLifetime?: number | null;
  refreshTokenLifetime?: number | null;
  jwks?: { keys: object[] } | null;
  ownerAccountId?: string | null;
  skipConsent?: boolean;
  postLogoutRedirectUris?: string[];
  /** Choose the id (administrators may); generated otherwise. */
  clientId?: string;
}

export interface RegisteredClient {
  client: Client;
  /** Returned once at creation (and at secret rotation); only its hash is stored. */
  clientSecret?: string;
  registrationAccessToken?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createClientService(deps: {
  clients: ClientRepository;
  clock: Clock;
  refreshTokens?: Pick<RefreshTokenRepository, "revokeForClient">;
}) {
  const { clients, clock } = deps;
  const withSecret = (method: ClientAuthMethod) =>
    method === "client_secret_basic" || method === "client_secret_post";

  return {
    async register(
      settings: ClientSettings,
      /** `registrationToken`: issue an RFC 7592 registration access token valid for this many seconds. */
      options: { registrationToken?: number } = {},
    ): Promise<RegisteredClient> {
      // A client's own tokens have sub = client_id; a chosen id shaped like an account id (a
      // UUID) could impersonate that account's subject, so only generated ids may look like one.
      if (settings.clientId !== undefined && UUID.test(settings.clientId)) {
        throw new ConflictError("client_id");
      }
      const now = clock.now();
      const clientSecret = withSecret(settings.authMethod) ? randomSecret() : undefined;
      const registrationAccessToken = options.registrationToken ? randomSecret() : undefined;
      const client: Client = {
        clientId: settings.clientId ?? randomUUID(),
        clientName: settings.clientName,
        secretHash: clientSecret ? hashSecret(clientSecret) : null,
        authMethod: settings.authMethod,
        applicationType: settings.applicationType ?? "web",
        redirectUris: settings.redirectUris ?? [],
        grantTypes: settings.grantTypes,
        scopes: settings.scopes,
        audiences: settings.audiences ?? [],
        accessTokenLifetime: settings.accessTokenLifetime ?? null,
        refreshTokenLifetime: settings.refreshTokenLifetime ?? null,
        jwks: settings.jwks ?? null,
        ownerAccountId: settings.ownerAccountId ?? null,
        registrationTokenHash: registrationAccessToken ? hashSecret(registrationAccessToken) : null,
        registrationTokenExpiresAt:
          options.registrationToken === undefined ? null : now + options.registrationToken * 1000,
        skipConsent: settings.skipConsent ?? false,
        postLogoutRedirectUris: settings.postLogoutRedirectUris ?? [],
        createdAt: now,
        updatedAt: now,
      };
      await clients.create(client);
      return {
        client,
        ...(clientSecret ? { clientSecret } : {}),
        ...(registrationAccessToken ? { registrationAccessToken } : {}),
      };
    },

    find: (clientId: string) => clients.find(clientId),
    countOwnedBy: (accountId: string) => clients.countOwnedBy(accountId),
    list: (options: { limit: number; after?: string }) => clients.list(options),

    /** Constant-time check of a presented secret against the stored hash. */
    secretMatches(client: Client, secret: string): boolean {
      if (!client.secretHash) return false;
      return safeEqual(client.secretHash, hashSecret(secret));
    },

    /** True for the client's registration access token while it has not expired (IAM #892). */
    registrationTokenMatches(client: Client, token: string): boolean {
      if (!client.registrationTokenHash) return false;
      if (client.registrationTokenExpiresAt && client.registrationTokenExpiresAt <= clock.now()) return false;
      return safeEqual(client.registrationTokenHash, hashSecret(token));
    },

    async rotateSecret(client: Client): Promise<string> {
      const secret = randomSecret();
      await clients.update({ ...client, secretHash: hashSecret(secret), updatedAt: clock.now() });
      return secret;
    },

    /**
     * Suspends a client (INDIGO IAM #705): it can no longer authenticate, its access tokens
     * become inactive, and its refresh tokens are revoked for good. `activate` lifts the suspension.
     */
    async suspend(client: Client): Promise<void> {
      const now = clock.now();
      await clients.update({ ...client, suspendedAt: now, updatedAt: now });
      await deps.refreshTokens?.revokeForClient(client.clientId, now);
    },
    async activate(client: Client): Promise<void> {
      await clients.update({ ...client, suspendedAt: null, updatedAt: clock.now() });
    },

    update: (client: Client) => clients.update({ ...client, updatedAt: clock.now() }),
    delete: (clientId: string) => clients.delete(clientId),
  };
}

export type ClientService = ReturnType<typeof createClientService>;
