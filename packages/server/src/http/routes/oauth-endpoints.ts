import type { FastifyInstance, FastifyRequest } from "fastify";
import type { DeviceAuthorizationEndpoint } from "../../protocol/device-authorization.js";
import type { TokenEndpoint } from "../../protocol/token-endpoint.js";
import { oauthFormEndpoint, sendOAuthJson } from "../oauth-replies.js";

/** POST endpoints a client calls directly: form in, JSON out, OAuth errors. */
export function oauthEndpointRoutes(
  app: FastifyInstance,
  deps: { token: TokenEndpoint; deviceAuthorization: DeviceAuthorizationEndpoint },
): void {
  const handle = (run: (request: FastifyRequest) => Promise<unknown>) =>
    oauthFormEndpoint(async (request, reply) => sendOAuthJson(reply, 200, await run(request)));

  const context = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: request.headers["user-agent"] ?? "",
  });
  app.post(
    "/token",
    handle((request) => deps.token(request.headers.authorization, request.body, context(request))),
  );
  app.post(
    "/devicecode",
    handle((request) => deps.deviceAuthorization(request.headers.authorization, request.body)),
  );
}
