import type { FastifyInstance, FastifyRequest } from "fastify";
import type { DeviceAuthorizationEndpoint } from "../../protocol/device-authorization.js";
import type { TokenEndpoint } from "../../protocol/token-endpoint.js";
import { isFormRequest, OAuthError, sendOAuthError, sendOAuthJson } from "../oauth-replies.js";

/** POST endpoints a client calls directly: form in, JSON out, OAuth errors. */
export function oauthEndpointRoutes(
  app: FastifyInstance,
  deps: { token: TokenEndpoint; deviceAuthorization: DeviceAuthorizationEndpoint },
): void {
  const handle =
    (run: (request: FastifyRequest) => Promise<unknown>) =>
    async (request: FastifyRequest, reply: import("fastify").FastifyReply) => {
      const usedBasic = /^basic /i.test(request.headers.authorization ?? "");
      try {
        if (!isFormRequest(request.headers["content-type"])) {
          throw new OAuthError(
            "invalid_request",
            "the request body must be application/x-www-form-urlencoded",
          );
        }
        return sendOAuthJson(reply, 200, await run(request));
      } catch (error) {
        if (error instanceof OAuthError) return sendOAuthError(reply, error, usedBasic);
        throw error;
      }
    };

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
