import { parse as parseQuery } from "node:querystring";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Config } from "../../config/load.js";
import type { ClientService } from "../../domain/clients/client-service.js";
import type { ConsentService } from "../../domain/clients/consent.js";
import type { Clock } from "../../domain/clock.js";
import type { AuthorizationCodeRepository } from "../../domain/grants/authorization-code.js";
import { issueAuthorizationCode } from "../../protocol/authorization-code-issue.js";
import {
  type AuthorizationRequest,
  authorizationResponseUrl,
  RedirectableError,
  validateAuthorizationRequest,
} from "../../protocol/authorization-request.js";
import { OAuthError } from "../../protocol/oauth-error.js";
import type { PageCsp } from "../content-security-policy.js";
import type { Csrf } from "../csrf.js";
import { consentPage } from "../pages/consent-page.js";
import { messagePage } from "../pages/message-page.js";
import type { SessionContext } from "../session-context.js";

/**
 * `/authorize`: validate, sign in if needed, ask for consent, answer with a code. The consent
 * form replays the original request, which is validated again on submit (nothing trusted from
 * hidden fields), and the answer is a 303 so the browser never re-posts (RFC 9700 §4.11).
 * Approval is remembered (INDIGO IAM, Keycloak): when it covers every requested scope, or the
 * client is trusted (skip_consent), the code is issued at once, also for `prompt=none` (OIDC
 * Core §3.1.2.1); `prompt=consent` always shows the page.
 */
export function authorizeRoutes(
  app: FastifyInstance,
  deps: {
    pageCsp: PageCsp;
    config: Config;
    csrf: Csrf;
    session: SessionContext;
    clients: ClientService;
    consents: Pick<ConsentService, "covers" | "remember">;
    codes: AuthorizationCodeRepository;
    clock: Clock;
  },
): void {
  const { config, csrf, session } = deps;
  const page = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").send(body);
  const find = (id: string) => deps.clients.find(id);

  /** Validates; sends the error (page or redirect) itself and returns undefined on failure. */
  async function validate(query: unknown, reply: FastifyReply): Promise<AuthorizationRequest | undefined> {
    try {
      return await validateAuthorizationRequest(query, find);
    } catch (error) {
      if (error instanceof RedirectableError) {
        await reply.redirect(errorUrl(error.redirectUri, error.error, error.state), 303);
        return undefined;
      }
      if (error instanceof OAuthError) {
        await page(
          reply,
          400,
          messagePage("Cannot authorize", `The application sent an invalid request: ${error.description}.`),
        );
        return undefined;
      }
      throw error;
    }
  }
  /** Issues the code and sends the browser back to the client with it. */
  async function answerWithCode(
    reply: FastifyReply,
    authorization: AuthorizationRequest,
    current: { account: { id: string }; session: { createdAt: number } },
  ) {
    const code = await issueAuthorizationCode(
      { codes: deps.codes, clock: deps.clock, lifetime: config.authorizationCodeLifetime },
      authorization,
      { accountId: current.account.id, authTime: current.session.createdAt },
    );
    return reply.redirect(
      authorizationResponseUrl(authorization.redirectUri, config.issuer, {
        code,
        state: authorization.state,
      }),
      303,
    );
  }
  const errorUrl = (redirectUri: string, error: OAuthError, state: string | undefined) =>
    authorizationResponseUrl(redirectUri, config.issuer, {
      error: error.code,
      error_description: error.description,
      state,
    });

  app.get("/authorize", async (request, reply) => {
    const authorization = await validate(request.query, reply);
    if (!authorization) return reply;
    const current = await session.current(request);
    const rawQuery = request.url.includes("?") ? request.url.slice(request.url.indexOf("?") + 1) : "";
    if (!current) {
      if (authorization.prompt.includes("none")) {
        const error = new OAuthError("login_required", "the user is not signed in");
        return reply.redirect(errorUrl(authorization.redirectUri, error, authorization.state), 303);
      }
      return reply.redirect(`/login?rd=${encodeURIComponent(`/authorize?${rawQuery}`)}`, 303);
    }
    const { client } = authorization;
    const consented =
      !authorization.prompt.includes("consent") &&
      (client.skipConsent ||
        (await deps.consents.covers(current.account.id, client.clientId, authorization.scope)));
    if (consented) return answerWithCode(reply, authorization, current);
    if (authorization.prompt.includes("none")) {
      const error = new OAuthError("consent_required", "the user must approve this client");
      return reply.redirect(errorUrl(authorization.redirectUri, error, authorization.state), 303);
    }
    // The consent form posts here, and the answer redirects to the client.
    const target = new URL(authorization.redirectUri);
    deps.pageCsp.allowFormTargets(reply, [deps.pageCsp.sourceOf(authorization.redirectUri)]);
    return page(
      reply,
      200,
      consentPage({
        csrfToken: csrf.token(request, reply),
        account: current.account,
        clientName: authorization.client.clientName,
        redirectHost: target.host || target.protocol,
        scope: authorization.scope,
        audiences: authorization.audiences,
        request: rawQuery,
      }),
    );
  });

  app.post<{ Body: { csrf_token?: unknown; request?: unknown; decision?: unknown } | undefined }>(
    "/authorize",
    async (request, reply) => {
      const form = request.body ?? {};
      if (!csrf.verify(request, form.csrf_token) || typeof form.request !== "string") {
        return page(
          reply,
          403,
          messagePage(
            "Cannot authorize",
            "This form has expired or was sent from another site. Go back to the application and try again.",
          ),
        );
      }
      // Repeated keys become arrays, which validation refuses, as it does on GET.
      const query = parseQuery(form.request);
      const authorization = await validate(query, reply);
      if (!authorization) return reply;
      const current = await session.current(request);
      if (!current)
        return reply.redirect(`/login?rd=${encodeURIComponent(`/authorize?${form.request}`)}`, 303);
      if (form.decision !== "approve") {
        const error = new OAuthError("access_denied", "the user denied the request");
        return reply.redirect(errorUrl(authorization.redirectUri, error, authorization.state), 303);
      }
      // What the page showed was approved: remembered, so the next request skips the page.
      await deps.consents.remember(current.account.id, authorization.client.clientId, authorization.scope);
      return answerWithCode(reply, authorization, current);
    },
  );
}
