import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AuditLog } from "../../domain/audit/audit-log.js";
import type { ClientService } from "../../domain/clients/client-service.js";
import type { ConsentService } from "../../domain/clients/consent.js";
import { HttpError } from "../errors.js";
import type { ApiCallers } from "./api-caller.js";

const iso = (ms: number) => new Date(ms).toISOString();
const ClientParams = Type.Object({ client_id: Type.String({ minLength: 1, maxLength: 256 }) });
type ClientParams = Static<typeof ClientParams>;

/**
 * The applications the caller allowed (remembered consent, INDIGO IAM's "approved sites"): list
 * them with the scopes approved, and take the approval back.
 */
export function consentsApi(
  app: FastifyInstance,
  deps: { callers: ApiCallers; consents: ConsentService; clients: ClientService; audit: AuditLog },
): void {
  const tags = ["me"];
  const self = async (request: FastifyRequest) => {
    const caller = await deps.callers.identify(request);
    if (!caller.account) throw new HttpError(403, "forbidden", "this call is about the caller's own account");
    return caller.account;
  };

  app.get(
    "/me/consents",
    { schema: { tags, summary: "The applications I allowed, with the scopes I approved" } },
    async (request) => {
      const account = await self(request);
      const consents = await deps.consents.listForAccount(account.id);
      const items = await Promise.all(
        consents.map(async (c) => ({
          client_id: c.clientId,
          client_name: (await deps.clients.find(c.clientId))?.clientName ?? null,
          scopes: c.scopes,
          created_at: iso(c.createdAt),
          updated_at: iso(c.updatedAt),
        })),
      );
      return { items };
    },
  );

  app.delete<{ Params: ClientParams }>(
    "/me/consents/:client_id",
    {
      schema: {
        tags,
        summary:
          "Withdraw my consent for an application: it asks again next time, and its refresh tokens for me are revoked",
        params: ClientParams,
      },
    },
    async (request, reply) => {
      const account = await self(request);
      if (!(await deps.consents.withdraw(account.id, request.params.client_id)))
        throw new HttpError(404, "not_found", "you have not allowed this application");
      await deps.audit.record({
        accountId: account.id,
        username: account.username,
        event: "consent.withdrawn",
        method: "api",
        result: "ok",
        reason: `client ${request.params.client_id}`,
        ip: request.ip,
        userAgent: request.headers["user-agent"]?.slice(0, 512) ?? null,
      });
      return reply.code(204).send();
    },
  );
}
