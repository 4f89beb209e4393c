import cookie from "@fastify/cookie";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { trustProxyOption } from "./app.js";
import type { Config } from "./config/load.js";
import { cookieSettings } from "./http/cookies.js";
import { installErrorHandlers } from "./http/errors.js";
import { lazyValidatorFactory } from "./http/lazy-validators.js";
import { gatewayRoutes } from "./http/routes/gateway.js";
import { createSessionContext } from "./http/session-context.js";
import type { Services } from "./services.js";

/**
 * The gateway alone (`GET /auth`, `/auth/anonymous`) for its own port (`gateway.port`), where
 * nginx's `auth_request` subrequests go. nginx asks on every request it protects, so this
 * instance carries none of the application's per-request plumbing (request ids, the input-safety
 * and AUP hooks, rate limits, the Prometheus histogram, helmet): each of those is an async hook
 * that every subrequest would pay. The same routes stay on the main port for small sites.
 */
export async function createGatewayApp(deps: {
  config: Config;
  services: Services;
  logger?: FastifyServerOptions["logger"];
}): Promise<FastifyInstance> {
  const { config, services } = deps;
  const app = Fastify({
    schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory } },
    logger: deps.logger ?? false,
    trustProxy: trustProxyOption(config.trustProxy),
    // nginx sends no body with auth_request; anything larger is not ours.
    bodyLimit: 1024,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 256 },
  });
  installErrorHandlers(app);
  await app.register(cookie);
  const cookies = cookieSettings(config.issuer);
  // Reading the session only; logout (which revokes delegated tokens) happens on the main port.
  const session = createSessionContext(services.sessions, cookies);
  gatewayRoutes(app, { config, session, cookies, gateway: services.gateway, audit: services.audit });
  app.get("/healthz", async () => ({ status: "ok" }));
  return app;
}
