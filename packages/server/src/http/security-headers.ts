import type { FastifyInstance } from "fastify";
import helmet, { type HelmetOptions } from "helmet";

declare module "fastify" {
  interface FastifyContextConfig {
    /** false: no browser security headers, for answers only nginx reads (`GET /auth`). */
    securityHeaders?: false;
  }
}

/**
 * helmet's headers (CSP, HSTS, frame and referrer policies…) on every reply. The middleware is
 * built once: @fastify/helmet built it again for every request, parsing the CSP directives each
 * time, ~3% of a client-credentials grant.
 */
export function installSecurityHeaders(app: FastifyInstance, options: HelmetOptions): void {
  const apply = helmet(options);
  app.addHook("onRequest", (request, reply, done) => {
    if (request.routeOptions.config.securityHeaders === false) return done();
    apply(request.raw, reply.raw, (error?: unknown) => done(error instanceof Error ? error : undefined));
  });
}
