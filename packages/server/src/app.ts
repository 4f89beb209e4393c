import { randomUUID } from "node:crypto";
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { Config } from "./config/load.js";
import type { Clock } from "./domain/clock.js";
import { apiRoutes } from "./http/api/api-routes.js";
import { installAupGate } from "./http/aup-gate.js";
import { createPageCsp } from "./http/content-security-policy.js";
import { cookieSettings } from "./http/cookies.js";
import { createCsrf } from "./http/csrf.js";
import { HttpError, installErrorHandlers } from "./http/errors.js";
import { lazyValidatorFactory } from "./http/lazy-validators.js";
import { installMetrics } from "./http/metrics.js";
import { STYLESHEET } from "./http/pages/stylesheet.js";
import { createPendingLogins } from "./http/pending-login.js";
import { installRateLimits } from "./http/rate-limits.js";
import { formActionSources } from "./http/redirect-target.js";
import { aupRoutes } from "./http/routes/aup.js";
import { authorizeRoutes } from "./http/routes/authorize.js";
import { dashboardRoutes } from "./http/routes/dashboard.js";
import { deviceRoutes } from "./http/routes/device.js";
import { federationRoutes } from "./http/routes/federation.js";
import { gatewayRoutes } from "./http/routes/gateway.js";
import { loginRoutes } from "./http/routes/login.js";
import { logoutRoutes } from "./http/routes/logout.js";
import { oauthEndpointRoutes } from "./http/routes/oauth-endpoints.js";
import { operationsRoutes } from "./http/routes/operations.js";
import { passwordResetRoutes } from "./http/routes/password-reset.js";
import { registrationRoutes } from "./http/routes/registration.js";
import { signupRoutes } from "./http/routes/signup.js";
import { tokenManagementRoutes } from "./http/routes/token-management.js";
import { totpLoginRoutes } from "./http/routes/totp-login.js";
import { wellKnownRoutes } from "./http/routes/well-known.js";
import { scimRoutes } from "./http/scim/scim-routes.js";
import { installSecurityHeaders } from "./http/security-headers.js";
import { createSessionContext } from "./http/session-context.js";
import type { Services } from "./services.js";
import type { Store } from "./store/database.js";
import { createRateLimitRepository } from "./store/repositories/rate-limit-repository.js";

export interface AppDeps {
  config: Config;
  store: Store;
  services: Services;
  clock: Clock;
  /** HMAC key for CSRF tokens; derived from the key-encryption key in production. */
  csrfKey: Uint8Array;
  logger?: FastifyServerOptions["logger"];
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Builds the Fastify application; main.ts listens with it, tests inject into it. */
export async function createApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, services } = deps;
  const issuerUrl = new URL(config.issuer);
  const app = Fastify({
    schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory } },
    logger: deps.logger ?? false,
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: 64 * 1024,
    // A proxy's request id is kept so logs join up across hops; otherwise a fresh one.
    genReqId: (request) => {
      const given = request.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 256 },
  });
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  // Two kinds of input that pass schema validation but break the database: numbers that
  // coercion made non-finite (`limit=1e400` is Infinity, a 500 as a PostgreSQL bound), and NUL
  // characters, which PostgreSQL text refuses. One check for every route, before any handler.
  app.addHook("preHandler", async (request) => {
    const problem =
      unsafeInput(request.params, "path parameter") ??
      unsafeInput(request.query, "query parameter") ??
      unsafeInput(request.body, "body field");
    if (problem) throw new HttpError(400, "invalid_request", problem);
  });

  installErrorHandlers(app);
  const metrics = installMetrics(app);
  // 429 + Retry-After on the OAuth endpoints and the sign-in, sign-up and reset forms (rate-limits.ts).
  installRateLimits(app, {
    counter: createRateLimitRepository(deps.store.db),
    clock: deps.clock,
    settings: config.rateLimits,
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  // Collects the REST API's route schemas into /api/openapi.json (only tagged routes: the API).
  await app.register(swagger, {
    openapi: {
      info: { title: "Tessera REST API", version: "1" },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    hideUntagged: true,
  });
  const https = issuerUrl.protocol === "https:";
  const pageCsp = createPageCsp({
    https,
    issuer: config.issuer,
    // The login form's 303 may go back to a gateway-protected site (gateway.allowedRedirectDomains).
    formSources: formActionSources(config.gateway.allowedRedirectDomains),
    findClient: (id) => services.clients.find(id),
  });
  installSecurityHeaders(app, {
    contentSecurityPolicy: { useDefaults: false, directives: pageCsp.directives },
    hsts: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    // "same-origin", not "no-referrer": under no-referrer browsers send `Origin: null` on our own
    // form posts, which the CSRF origin check must refuse. Other sites still get no referrer.
    referrerPolicy: { policy: "same-origin" },
    crossOriginResourcePolicy: false,
  });

  const cookies = cookieSettings(config.issuer);
  const csrf = createCsrf(deps.csrfKey, cookies, issuerUrl.origin);
  const session = createSessionContext(services.sessions, cookies, (hash, ip) =>
    services.gateway.tokens.revokeForSession(hash, ip),
  );
  // Logins waiting for their second factor (TOTP), in a sealed short-lived cookie.
  const pending = createPendingLogins({ key: deps.csrfKey, cookies, totp: services.totp, clock: deps.clock });

  app.get("/static/tessera.css", async (_request, reply) =>
    reply.type("text/css; charset=utf-8").header("cache-control", "public, max-age=86400").send(STYLESHEET),
  );
  operationsRoutes(app, { store: deps.store, metrics });
  wellKnownRoutes(app, { config, keys: services.keys });
  installAupGate(app, { session, aup: services.aup });
  aupRoutes(app, { config, csrf, session, aup: services.aup, pageCsp });
  loginRoutes(app, { config, csrf, session, login: services.passwordLogin, pending, pageCsp });
  totpLoginRoutes(app, {
    pageCsp,
    config,
    csrf,
    session,
    pending,
    totp: services.totp,
    accounts: services.repos.accounts,
    clock: deps.clock,
  });
  gatewayRoutes(app, { config, session, cookies, gateway: services.gateway, audit: services.audit });
  federationRoutes(app, {
    config,
    session,
    cookies,
    stateKey: deps.csrfKey,
    pending,
    federation: services.federation,
    upstreams: services.upstreams,
    oneTimeIds: services.repos.oneTimeIds,
    clock: deps.clock,
  });
  logoutRoutes(app, {
    pageCsp,
    config,
    csrf,
    session,
    clients: services.clients,
    keys: services.keys,
    clock: deps.clock,
  });
  authorizeRoutes(app, {
    pageCsp,
    config,
    csrf,
    session,
    clients: services.clients,
    consents: services.consents,
    codes: services.repos.authorizationCodes,
    clock: deps.clock,
  });
  deviceRoutes(app, {
    csrf,
    session,
    clients: services.clients,
    devices: services.repos.deviceAuthorizations,
    throttle: services.throttle,
    clock: deps.clock,
  });
  oauthEndpointRoutes(app, {
    token: services.tokenEndpoint,
    deviceAuthorization: services.deviceAuthorization,
  });
  tokenManagementRoutes(app, {
    introspection: services.introspection,
    revocation: services.revocation,
    userinfo: services.userinfo,
  });
  registrationRoutes(app, { config, clients: services.clients, accessTokens: services.ownAccessTokens });
  signupRoutes(app, { csrf, registrations: services.registrations, throttle: services.throttle });
  passwordResetRoutes(app, { csrf, reset: services.passwordReset });
  await apiRoutes(app, {
    services,
    session,
    csrf,
    bootstrapToken: config.bootstrap.token,
    clock: deps.clock,
  });
  await scimRoutes(app, {
    services,
    session,
    csrf,
    bootstrapToken: config.bootstrap.token,
    issuer: config.issuer,
    clock: deps.clock,
  });
  app.get("/api/openapi.json", async () => app.swagger());
  dashboardRoutes(app);
  return app;
}

/** A hop count becomes the equivalent trust function (Fastify's types take no number). */
export function trustProxyOption(
  setting: Config["trustProxy"],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting !== "number") return setting;
  return (_address: string, hop: number) => hop < setting;
}

/** Describes the first non-finite number or NUL-containing string in a request part, if any. */
function unsafeInput(value: unknown, where: string, name = "", depth = 0): string | undefined {
  if (typeof value === "string")
    return value.includes("\u0000") ? `${where} ${name} contains a NUL character`.trim() : undefined;
  if (typeof value === "number")
    return Number.isFinite(value) ? undefined : `${where} ${name} is not a finite number`.trim();
  if (value === null || typeof value !== "object" || depth > 16) return undefined;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (key.includes("\u0000")) return `${where} name contains a NUL character`;
    const found = unsafeInput(item, where, Array.isArray(value) ? name : key, depth + 1);
    if (found) return found;
  }
  return undefined;
}
