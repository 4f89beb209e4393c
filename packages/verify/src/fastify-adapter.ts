/**
 * Fastify adapter (`@tessera/verify/fastify`). `tesseraFastify(verifier, options)` is a
 * plugin: registered on an instance it decorates `request.tessera` and adds an `onRequest`
 * hook (before any body is parsed) that authenticates every route of that instance and of the
 * plugins registered after it. Each route may refine the requirements in its config:
 * `config: { tessera: { requiredScopes, satisfy, audience } }`, or opt out with
 * `config: { tessera: false }` (health checks, public pages), where `request.tessera` stays
 * null. Refusals follow `authenticate-request.ts` (401/403 with `WWW-Authenticate`, 400 for a
 * token in the query string). Only types are imported from fastify: it is an optional peer.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import { type AdapterOptions, authenticateRequest, type RouteRequirements } from "./authenticate-request.js";
import type { Verifier } from "./create-verifier.js";
import type { TesseraIdentity } from "./identity.js";

export type TesseraFastifyOptions = AdapterOptions<FastifyRequest>;
export type TesseraRouteOptions = RouteRequirements<FastifyRequest>;

declare module "fastify" {
  interface FastifyRequest {
    /** The verified caller; null only on routes with `config: { tessera: false }`. */
    tessera: TesseraIdentity | null;
  }
  interface FastifyContextConfig {
    /** This route's token requirements, or `false` to skip authentication. */
    tessera?: TesseraRouteOptions | false;
  }
}

export function tesseraFastify(verifier: Verifier, options: TesseraFastifyOptions = {}): FastifyPluginAsync {
  const { realm, ...defaults } = options;
  const plugin = async (app: FastifyInstance): Promise<void> => {
    if (!app.hasRequestDecorator("tessera")) app.decorateRequest("tessera", null);
    app.addHook("onRequest", async (request, reply) => {
      const route = request.routeOptions.config.tessera;
      if (route === false) return;
      const outcome = await authenticateRequest(
        verifier,
        request,
        { authorization: request.headers.authorization, url: request.url },
        { ...defaults, ...route },
        realm,
      );
      if (outcome.ok) {
        request.tessera = outcome.identity;
        return;
      }
      const { status, headers, body } = outcome.refusal;
      return reply.code(status).headers(headers).send(body);
    });
  };
  // What fastify-plugin does: let the hook and decorator reach the registering instance
  // instead of staying in the plugin's own encapsulated context.
  return Object.assign(plugin, {
    [Symbol.for("skip-override")]: true,
    [Symbol.for("fastify.display-name")]: "@tessera/verify",
  });
}

export type { TesseraIdentity } from "./identity.js";
