import { Type } from "@sinclair/typebox";
import { checkLifetime } from "@tessera/profile";
import type { FastifyInstance } from "fastify";
import type { Client } from "../../domain/clients/client.js";
import type { ClientService } from "../../domain/clients/client-service.js";
import { ConflictError } from "../../domain/errors.js";
import {
  clientInformation,
  usesClientSecret,
  validateClientMetadata,
} from "../../protocol/client-metadata.js";
import { SUPPORTED_GRANT_TYPES } from "../../protocol/token-endpoint.js";
import { HttpError } from "../errors.js";
import type { ApiCallers } from "./api-caller.js";
import { IdParams, PageQuery, page } from "./api-schemas.js";

/** What an administrator sets beyond RFC 7591 metadata. */
function adminSettings(body: Record<string, unknown>) {
  const audiences = body.audiences ?? [];
  if (
    !Array.isArray(audiences) ||
    !audiences.every((a) => typeof a === "string" && /^[\x21-\x7e]{1,256}$/.test(a))
  ) {
    throw new HttpError(400, "invalid_client_metadata", "audiences must be a list of strings without spaces");
  }
  const lifetime = (name: string, kind: "accessToken" | "refreshToken") => {
    const value = body[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw new HttpError(400, "invalid_client_metadata", `${name} must be a whole number of seconds`);
    }
    const problem = checkLifetime(kind, value);
    if (problem) throw new HttpError(400, "invalid_client_metadata", `${name}: ${problem}`);
    return value;
  };
  return {
    audiences: audiences as string[],
    accessTokenLifetime: lifetime("access_token_lifetime", "accessToken"),
    refreshTokenLifetime: lifetime("refresh_token_lifetime", "refreshToken"),
  };
}

function representation(client: Client) {
  return {
    ...clientInformation(client),
    audiences: client.audiences,
    access_token_lifetime: client.accessTokenLifetime,
    refresh_token_lifetime: client.refreshTokenLifetime,
    owner_account_id: client.ownerAccountId,
    suspended_at: client.suspendedAt ? new Date(client.suspendedAt).toISOString() : null,
    created_at: new Date(client.createdAt).toISOString(),
    updated_at: new Date(client.updatedAt).toISOString(),
  };
}

const ClientBody = Type.Object(
  {},
  { additionalProperties: true, description: "RFC 7591 client metadata, plus audiences and lifetimes" },
);
const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

/** Administrators manage every client: the same metadata rules as registration, without its limits. */
export function clientsApi(
  app: FastifyInstance,
  deps: { callers: ApiCallers; clients: ClientService },
): void {
  const { callers, clients } = deps;
  const policy = { supportedGrantTypes: SUPPORTED_GRANT_TYPES, allowedScopes: [], privileged: true };
  const found = async (id: string) => {
    const client = await clients.find(id);
    if (!client) throw new HttpError(404, "not_found", `no client ${id}`);
    return client;
  };
  const tags = ["clients"];

  app.get<{ Querystring: PageQuery }>(
    "/clients",
    { schema: { tags, querystring: PageQuery } },
    async (request) => {
      await callers.administrator(request);
      const limit = request.query.limit ?? 50;
      const items = await clients.list({
        limit,
        ...(request.query.after ? { after: request.query.after } : {}),
      });
      const listed = page(items, limit, (c) => c.clientId);
      return { ...listed, items: listed.items.map(representation) };
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    "/clients",
    { schema: { tags, body: ClientBody } },
    async (request, reply) => {
      await callers.administrator(request);
      const metadata = validateClientMetadata(request.body, policy);
      const extra = adminSettings(request.body);
      const chosenId = request.body.client_id;
      if (chosenId !== undefined && (typeof chosenId !== "string" || !CLIENT_ID.test(chosenId))) {
        throw new HttpError(
          400,
          "invalid_client_metadata",
          "client_id must be 1 to 128 visible ASCII characters",
        );
      }
      try {
        const { client, clientSecret } = await clients.register({
          clientName: metadata.clientName,
          authMethod: metadata.authMethod,
          applicationType: metadata.applicationType,
          redirectUris: metadata.redirectUris,
          grantTypes: metadata.grantTypes,
          scopes: metadata.scopes,
          jwks: metadata.jwks,
          ...extra,
          ...(typeof chosenId === "string" ? { clientId: chosenId } : {}),
        });
        return reply
          .code(201)
          .header("cache-control", "no-store")
          .send({ ...representation(client), ...(clientSecret ? { client_secret: clientSecret } : {}) });
      } catch (error) {
        if (error instanceof ConflictError)
          throw new HttpError(409, "conflict", "that client_id is taken or not allowed");
        throw error;
      }
    },
  );

  app.get<{ Params: IdParams }>("/clients/:id", { schema: { tags, params: IdParams } }, async (request) => {
    await callers.administrator(request);
    return representation(await found(request.params.id));
  });

  app.put<{ Params: IdParams; Body: Record<string, unknown> }>(
    "/clients/:id",
    { schema: { tags, params: IdParams, body: ClientBody } },
    async (request) => {
      await callers.administrator(request);
      const client = await found(request.params.id);
      const metadata = validateClientMetadata(request.body, policy);
      const updated: Client = {
        ...client,
        clientName: metadata.clientName,
        authMethod: metadata.authMethod,
        applicationType: metadata.applicationType,
        redirectUris: metadata.redirectUris,
        postLogoutRedirectUris: metadata.postLogoutRedirectUris,
        grantTypes: metadata.grantTypes,
        scopes: metadata.scopes,
        jwks: metadata.jwks,
        ...adminSettings(request.body),
        // A method without a secret drops the stored one; a move to a secret method needs a rotation.
        secretHash: usesClientSecret(metadata.authMethod) ? client.secretHash : null,
      };
      await clients.update(updated);
      return representation(updated);
    },
  );

  app.delete<{ Params: IdParams }>(
    "/clients/:id",
    { schema: { tags, params: IdParams } },
    async (request, reply) => {
      await callers.administrator(request);
      await found(request.params.id);
      // Refresh tokens, codes and device authorizations go with it (foreign keys cascade).
      await clients.delete(request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: IdParams }>(
    "/clients/:id/secret",
    { schema: { tags, params: IdParams } },
    async (request, reply) => {
      await callers.administrator(request);
      const client = await found(request.params.id);
      if (!usesClientSecret(client.authMethod)) {
        throw new HttpError(409, "no_secret", `a client using ${client.authMethod} has no secret`);
      }
      return reply
        .header("cache-control", "no-store")
        .send({ client_secret: await clients.rotateSecret(client) });
    },
  );

  for (const [verb, suspend] of [
    ["suspend", true],
    ["activate", false],
  ] as const) {
    app.post<{ Params: IdParams }>(
      `/clients/:id/${verb}`,
      { schema: { tags, params: IdParams } },
      async (request) => {
        await callers.administrator(request);
        const client = await found(request.params.id);
        await (suspend ? clients.suspend(client) : clients.activate(client));
        return representation(await found(client.clientId));
      },
    );
  }
}
