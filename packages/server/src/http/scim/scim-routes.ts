import type { FastifyError, FastifyInstance, FastifyRequest } from "fastify";
import type { Clock } from "../../domain/clock.js";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from "../../domain/errors.js";
import type { Services } from "../../services.js";
import { type ApiCaller, createApiCallers } from "../api/api-caller.js";
import type { Csrf } from "../csrf.js";
import { HttpError } from "../errors.js";
import type { SessionContext } from "../session-context.js";
import { ScimError, type ScimType, scimErrorBody } from "./scim-error.js";
import { scimGroups } from "./scim-groups.js";
import { listResponse } from "./scim-list.js";
import { SCIM_CONTENT_TYPE, sendResource } from "./scim-reply.js";
import { resourceTypes, schemaDocuments, serviceProviderConfig } from "./scim-schema.js";
import { scimUsers } from "./scim-users.js";

/**
 * SCIM 2.0 (RFC 7643/7644) at /scim/v2 for provisioning: Users and Groups for administrators
 * (the REST API's callers: bootstrap token, an administrator's token with iam:admin.read or
 * iam:admin.write, or the dashboard session with CSRF), plus the discovery documents, which are
 * public. Its own Fastify scope: `application/scim+json` bodies, and every error as SCIM error
 * JSON (RFC 7644 §3.12) rather than the REST API's problem JSON.
 */
export async function scimRoutes(
  app: FastifyInstance,
  deps: {
    services: Services;
    session: SessionContext;
    csrf: Csrf;
    bootstrapToken: string | undefined;
    issuer: string;
    clock: Clock;
  },
): Promise<void> {
  const { services } = deps;
  const callers = createApiCallers({
    bootstrapToken: deps.bootstrapToken,
    accessTokens: services.ownAccessTokens,
    session: deps.session,
    csrf: deps.csrf,
  });
  const base = `${deps.issuer.replace(/\/+$/, "")}/scim/v2`;
  const acting = new WeakMap<FastifyRequest, ApiCaller>();
  const actor = (request: FastifyRequest) => acting.get(request)?.account?.id ?? null;

  await app.register(
    async (scim) => {
      scim.addContentTypeParser(
        "application/scim+json",
        { parseAs: "string" },
        scim.getDefaultJsonParser("error", "error"),
      );
      scim.setErrorHandler((error: FastifyError | Error, request, reply) => {
        const send = (status: number, scimType: ScimType | null, detail: string) =>
          reply
            .code(status)
            .type(SCIM_CONTENT_TYPE)
            .send(scimErrorBody(status, scimType, detail));
        if (error instanceof ScimError) return send(error.status, error.scimType, error.message);
        if (error instanceof HttpError) {
          if (error.statusCode === 401) reply.header("www-authenticate", 'Bearer realm="tessera"');
          return send(error.statusCode, null, error.message);
        }
        if (error instanceof NotFoundError) return send(404, null, error.message);
        if (error instanceof ForbiddenError) return send(403, null, error.message);
        if (error instanceof ConflictError) return send(409, "uniqueness", error.message);
        if (error instanceof InvalidInputError) return send(400, "invalidValue", error.message);
        const status = "statusCode" in error && typeof error.statusCode === "number" ? error.statusCode : 500;
        if (status >= 400 && status < 500) {
          // Bad JSON, an empty body, a body too large, an unsupported content type.
          return send(status, status === 400 ? "invalidSyntax" : null, error.message);
        }
        request.log.error({ err: error }, "SCIM request failed");
        return send(500, null, "Something went wrong on our side. It has been logged.");
      });
      scim.setNotFoundHandler((request, reply) =>
        reply
          .code(404)
          .type(SCIM_CONTENT_TYPE)
          .send(scimErrorBody(404, null, `No such resource: ${request.method} ${request.url.split("?")[0]}`)),
      );
      scim.addHook("onSend", async (_request, reply) => {
        reply.header("cache-control", "no-store");
      });

      // Discovery (RFC 7644 §4): public, so clients can probe before they hold credentials.
      scim.get("/ServiceProviderConfig", async (_request, reply) =>
        sendResource(reply, 200, serviceProviderConfig(base)),
      );
      scim.get("/ResourceTypes", async (_request, reply) => {
        const types = resourceTypes(base);
        return sendResource(reply, 200, listResponse(types.length, 1, types));
      });
      scim.get<{ Params: { id: string } }>("/ResourceTypes/:id", async (request, reply) => {
        const type = resourceTypes(base).find((t) => t.id === request.params.id);
        if (!type) throw new ScimError(404, null, `no resource type ${request.params.id}`);
        return sendResource(reply, 200, type);
      });
      scim.get("/Schemas", async (_request, reply) => {
        const schemas = schemaDocuments(base);
        return sendResource(reply, 200, listResponse(schemas.length, 1, schemas));
      });
      scim.get<{ Params: { id: string } }>("/Schemas/:id", async (request, reply) => {
        const schema = schemaDocuments(base).find((s) => s.id === request.params.id);
        if (!schema) throw new ScimError(404, null, `no schema ${request.params.id}`);
        return sendResource(reply, 200, schema);
      });

      await scim.register(async (resources) => {
        resources.addHook("onRequest", async (request) => {
          acting.set(request, await callers.administrator(request));
        });
        // Bodies are SCIM JSON (RFC 7644 §3.1), or plain JSON; nothing else, whatever else the app parses.
        resources.addHook("preValidation", async (request) => {
          if (request.body === undefined || request.body === null) return;
          const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
          if (type !== "application/scim+json" && type !== "application/json")
            throw new ScimError(415, null, "send application/scim+json (or application/json)");
        });
        const common = {
          accounts: services.accounts,
          groups: services.groups,
          audit: services.audit,
          clock: deps.clock,
          base,
          actor,
        };
        scimUsers(resources, common);
        scimGroups(resources, common);
      });
    },
    { prefix: "/scim/v2" },
  );
}
