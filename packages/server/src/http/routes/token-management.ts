import { bearerChallenge } from "@tessera/verify";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { presentedBearer } from "../../protocol/bearer-token.js";
import type { IntrospectionEndpoint } from "../../protocol/introspection.js";
import type { RevocationEndpoint } from "../../protocol/revocation.js";
import { USERINFO_SCOPE, type UserinfoEndpoint } from "../../protocol/userinfo.js";
import { isFormRequest, OAuthError, oauthFormEndpoint, sendOAuthJson } from "../oauth-replies.js";

/** What a client does with tokens it holds: introspect (RFC 7662), revoke (RFC 7009), userinfo (OIDC). */
export function tokenManagementRoutes(
  app: FastifyInstance,
  deps: { introspection: IntrospectionEndpoint; revocation: RevocationEndpoint; userinfo: UserinfoEndpoint },
): void {
  app.post(
    "/introspect",
    oauthFormEndpoint(async (request, reply) =>
      sendOAuthJson(reply, 200, await deps.introspection(request.headers.authorization, request.body)),
    ),
  );
  app.post(
    "/revoke",
    oauthFormEndpoint(async (request, reply) => {
      await deps.revocation(request.headers.authorization, request.body);
      return reply.code(200).header("cache-control", "no-store").header("pragma", "no-cache").send();
    }),
  );

  // RFC 6750 §3: every failure carries a Bearer challenge; a request without a token gets one
  // with no error code (§3.1), so a client knows to authenticate rather than that it erred.
  const userinfo = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const token = presentedBearer({
        authorization: request.headers.authorization,
        form:
          request.method === "POST" && isFormRequest(request.headers["content-type"])
            ? request.body
            : undefined,
        query: request.query,
      });
      if (token === undefined) {
        return reply
          .code(401)
          .header("www-authenticate", bearerChallenge())
          .header("cache-control", "no-store")
          .send();
      }
      return sendOAuthJson(reply, 200, await deps.userinfo(token));
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      const challenge =
        error.code === "invalid_token" || error.code === "insufficient_scope"
          ? bearerChallenge({
              code: error.code,
              description: error.description,
              scope: error.code === "insufficient_scope" ? [USERINFO_SCOPE] : undefined,
            })
          : // The challenge grammar of @tessera/verify knows only token errors; a malformed
            // request still learns the scheme it should use.
            bearerChallenge();
      reply.header("www-authenticate", challenge);
      return sendOAuthJson(reply, error.status, error.toJSON());
    }
  };
  app.get("/userinfo", userinfo);
  app.post("/userinfo", userinfo);
}
