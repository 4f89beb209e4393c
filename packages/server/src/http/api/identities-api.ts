import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { InvalidInputError } from "../../domain/errors.js";
import type { FederatedLogin } from "../../domain/federation/federated-login.js";
import type { Identity } from "../../domain/federation/identity.js";
import type { Upstreams } from "../../domain/federation/upstreams.js";
import { HttpError } from "../errors.js";
import type { ApiCallers } from "./api-caller.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const identityJson = (i: Identity) => ({
  id: i.id,
  provider: i.provider,
  subject: i.subject,
  email: i.email,
  username: i.username,
  created_at: iso(i.createdAt),
  last_login_at: iso(i.lastLoginAt),
});
const IdentityParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/**
 * The caller's own upstream identities: list and unlink. Linking is a browser flow through the
 * provider (`/account/link/:provider`); the list names each configured provider with its link.
 */
export function identitiesApi(
  app: FastifyInstance,
  deps: { callers: ApiCallers; federation: FederatedLogin; upstreams: Upstreams },
) {
  const self = async (request: FastifyRequest) => {
    const caller = await deps.callers.identify(request);
    if (!caller.account) throw new HttpError(403, "forbidden", "this call is about the caller's own account");
    return caller.account;
  };

  app.get(
    "/me/identities",
    {
      schema: {
        tags: ["me"],
        summary: "List the upstream identities linked to my account, and the providers I can link",
      },
    },
    async (request) => {
      const account = await self(request);
      return {
        identities: (await deps.federation.list(account.id)).map(identityJson),
        providers: [...deps.upstreams].map(([id, entry]) => ({
          id,
          name: entry.upstream.name,
          link_path: `/account/link/${encodeURIComponent(id)}`,
        })),
      };
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/me/identities/:id",
    {
      schema: {
        tags: ["me"],
        summary: "Unlink an upstream identity (refused for the last way to sign in)",
        params: IdentityParams,
      },
    },
    async (request, reply) => {
      const account = await self(request);
      try {
        await deps.federation.unlink(account, request.params.id, {
          ip: request.ip,
          userAgent: request.headers["user-agent"] ?? "",
        });
      } catch (error) {
        if (error instanceof InvalidInputError && error.code === "last_login_method")
          throw new HttpError(409, error.code, error.message);
        throw error;
      }
      return reply.code(204).send();
    },
  );
}
