import type { Kysely, Selectable } from "kysely";
import type { Client, ClientAuthMethod, ClientRepository } from "../../domain/clients/client.js";
import { ConflictError } from "../../domain/errors.js";
import type { ClientsTable, Database } from "../schema.js";
import { isUniqueViolation } from "../unique-violation.js";
import { fromJsonList, toJson } from "./json-columns.js";

function toRow(c: Client): ClientsTable {
  return {
    client_id: c.clientId,
    client_name: c.clientName,
    secret_hash: c.secretHash,
    auth_method: c.authMethod,
    application_type: c.applicationType,
    redirect_uris: toJson(c.redirectUris),
    grant_types: toJson(c.grantTypes),
    scope: c.scopes.join(" "),
    audiences: toJson(c.audiences),
    access_token_lifetime: c.accessTokenLifetime,
    refresh_token_lifetime: c.refreshTokenLifetime,
    jwks: c.jwks ? toJson(c.jwks) : null,
    owner_account_id: c.ownerAccountId,
    registration_token_hash: c.registrationTokenHash,
    skip_consent: c.skipConsent ? 1 : 0,
    post_logout_redirect_uris: toJson(c.postLogoutRedirectUris),
    suspended_at: c.suspendedAt ?? null,
    registration_token_expires_at: c.registrationTokenExpiresAt ?? null,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function toClient(r: Selectable<ClientsTable>): Client {
  return {
    clientId: r.client_id,
    clientName: r.client_name,
    secretHash: r.secret_hash,
    authMethod: r.auth_method as ClientAuthMethod,
    applicationType: r.application_type === "native" ? "native" : "web",
    redirectUris: fromJsonList(r.redirect_uris),
    grantTypes: fromJsonList(r.grant_types),
    scopes: r.scope.split(" ").filter(Boolean),
    audiences: fromJsonList(r.audiences),
    accessTokenLifetime: r.access_token_lifetime,
    refreshTokenLifetime: r.refresh_token_lifetime,
    jwks: r.jwks ? (JSON.parse(r.jwks) as { keys: object[] }) : null,
    ownerAccountId: r.owner_account_id,
    registrationTokenHash: r.registration_token_hash,
    skipConsent: r.skip_consent === 1,
    postLogoutRedirectUris: fromJsonList(r.post_logout_redirect_uris),
    suspendedAt: r.suspended_at,
    registrationTokenExpiresAt: r.registration_token_expires_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function createClientRepository(db: Kysely<Database>): ClientRepository {
  return {
    async create(client) {
      try {
        await db.insertInto("clients").values(toRow(client)).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError("client_id");
        throw error;
      }
    },
    async find(clientId) {
      const row = await db
        .selectFrom("clients")
        .selectAll()
        .where("client_id", "=", clientId)
        .executeTakeFirst();
      return row && toClient(row);
    },
    async update(client) {
      const { client_id, created_at, ...changes } = toRow(client);
      await db.updateTable("clients").set(changes).where("client_id", "=", client_id).execute();
    },
    async countOwnedBy(accountId) {
      const row = await db
        .selectFrom("clients")
        .select((eb) => eb.fn.countAll<number | string>().as("n"))
        .where("owner_account_id", "=", accountId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async delete(clientId) {
      await db.deleteFrom("clients").where("client_id", "=", clientId).execute();
    },
    async list({ limit, after }) {
      let query = db.selectFrom("clients").selectAll().orderBy("client_id").limit(limit);
      if (after !== undefined) query = query.where("client_id", ">", after);
      return (await query.execute()).map(toClient);
    },
  };
}
