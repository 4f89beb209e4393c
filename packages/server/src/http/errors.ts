import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from "../domain/errors.js";
import { OAuthError } from "../protocol/oauth-error.js";
import { messagePage } from "./pages/message-page.js";

/** An error meant for the client: its status, a stable code and a message safe to show. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  406: "Not acceptable",
  413: "Request too large",
  415: "Unsupported media type",
  429: "Too many requests",
  500: "Internal error",
  503: "Service unavailable",
};

function wantsHtml(request: FastifyRequest): boolean {
  if (request.url.startsWith("/api/") || request.url.startsWith("/scim/")) return false;
  return (request.headers.accept ?? "").includes("text/html");
}

/** Sends RFC 7807 problem JSON, or a plain page to browsers. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
) {
  const title = TITLES[status] ?? "Error";
  if (wantsHtml(request)) {
    return reply.code(status).type("text/html; charset=utf-8").send(messagePage(title, detail));
  }
  return reply
    .code(status)
    .type("application/problem+json")
    .send({ type: "about:blank", title, status, detail, code });
}

/**
 * One handler for every error: client mistakes become a 4xx with a clear message (never a
 * stack trace); anything else is logged and answered with a bare 500.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      if (error.statusCode === 401) reply.header("www-authenticate", 'Bearer realm="tessera"');
      return sendProblem(request, reply, error.statusCode, error.code, error.message);
    }
    if (error instanceof NotFoundError) return sendProblem(request, reply, 404, "not_found", error.message);
    if (error instanceof ForbiddenError) return sendProblem(request, reply, 403, "forbidden", error.message);
    if (error instanceof ConflictError) return sendProblem(request, reply, 409, "conflict", error.message);
    if (error instanceof InvalidInputError)
      return sendProblem(request, reply, 400, error.code, error.message);
    // OAuth rule violations reaching here come from the REST API (the OAuth routes answer their own).
    if (error instanceof OAuthError)
      return sendProblem(request, reply, error.status, error.code, error.description);
    const status = error.statusCode ?? 500;
    if ("validation" in error && error.validation) {
      return sendProblem(request, reply, 400, "invalid_request", `invalid request: ${error.message}`);
    }
    if (status >= 400 && status < 500) {
      const code = (error.code ?? "bad_request").toLowerCase();
      return sendProblem(request, reply, status, code, error.message);
    }
    request.log.error({ err: error }, "request failed");
    return sendProblem(
      request,
      reply,
      500,
      "internal_error",
      "Something went wrong on our side. It has been logged.",
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      404,
      "not_found",
      `No such resource: ${request.method} ${request.url.split("?")[0]}`,
    ),
  );
}
