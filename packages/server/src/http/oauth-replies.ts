import type { FastifyReply, FastifyRequest } from "fastify";
import { OAuthError } from "../protocol/oauth-error.js";

/** OAuth JSON responses are never cached (RFC 6749 §5.1). */
export function sendOAuthJson(reply: FastifyReply, status: number, body: unknown) {
  return reply
    .code(status)
    .header("cache-control", "no-store")
    .header("pragma", "no-cache")
    .type("application/json")
    .send(body);
}

/** RFC 6749 §5.2 error response; a failed Basic authentication also gets its challenge. */
export function sendOAuthError(reply: FastifyReply, error: OAuthError, usedBasic = false) {
  if (error.code === "invalid_client" && usedBasic) reply.header("www-authenticate", 'Basic realm="tessera"');
  return sendOAuthJson(reply, error.status, error.toJSON());
}

export function isFormRequest(contentType: string | undefined): boolean {
  return (contentType ?? "").toLowerCase().split(";")[0]?.trim() === "application/x-www-form-urlencoded";
}

/**
 * Wraps a client-facing form endpoint (/token, /devicecode, /introspect, /revoke): the body
 * must be form-encoded, and OAuth errors become RFC 6749 §5.2 replies.
 */
export function oauthFormEndpoint(
  run: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>,
) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const usedBasic = /^basic /i.test(request.headers.authorization ?? "");
    try {
      if (!isFormRequest(request.headers["content-type"])) {
        throw new OAuthError("invalid_request", "the request body must be application/x-www-form-urlencoded");
      }
      return await run(request, reply);
    } catch (error) {
      if (error instanceof OAuthError) return sendOAuthError(reply, error, usedBasic);
      throw error;
    }
  };
}

export { OAuthError };
