/**
 * `/logout`: signing out, also at a relying party's request (OpenID Connect RP-Initiated
 * Logout 1.0, the discovery document's `end_session_endpoint`).
 *
 * - GET, or POST without a CSRF token but with logout parameters (§2: the RP may use either),
 *   validates the request (protocol/logout-request.ts) and shows the confirmation form, which
 *   carries the parameters; an invalid request is an error page, never a redirect.
 * - With no session there is nothing to sign out: the browser goes straight on (to the validated
 *   post_logout_redirect_uri, or the login page).
 * - The confirmation POST needs the CSRF token; the parameters are validated again (nothing is
 *   trusted from hidden fields), the session ends, and a 303 goes to the validated
 *   post_logout_redirect_uri with `state`, or to `/login?logged_out`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../config/load.js";
import type { ClientService } from "../../domain/clients/client-service.js";
import type { Clock } from "../../domain/clock.js";
import type { KeyRing } from "../../domain/keys/key-ring.js";
import { createIdTokenHintVerifier } from "../../protocol/id-token-hint.js";
import {
  hasLogoutParameters,
  type LogoutRequest,
  validateLogoutRequest,
} from "../../protocol/logout-request.js";
import { OAuthError } from "../../protocol/oauth-error.js";
import type { PageCsp } from "../content-security-policy.js";
import type { Csrf } from "../csrf.js";
import { logoutPage } from "../pages/home-page.js";
import { messagePage } from "../pages/message-page.js";
import type { SessionContext } from "../session-context.js";

const CSRF_MESSAGE = "This form has expired or was sent from another site. Please try again.";

export function logoutRoutes(
  app: FastifyInstance,
  deps: {
    pageCsp: PageCsp;
    config: Pick<Config, "issuer">;
    csrf: Csrf;
    session: SessionContext;
    clients: Pick<ClientService, "find">;
    keys: Pick<KeyRing, "jwks">;
    clock: Clock;
  },
): void {
  const { csrf, session } = deps;
  const page = (reply: FastifyReply, status: number, html: string) =>
    reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
  const logoutDeps = {
    verifyIdTokenHint: createIdTokenHintVerifier({
      keys: deps.keys,
      issuer: deps.config.issuer,
      clock: deps.clock,
    }),
    findClient: (clientId: string) => deps.clients.find(clientId),
  };

  /** Validates; shows the error page itself and returns undefined on failure. */
  async function validate(input: unknown, reply: FastifyReply): Promise<LogoutRequest | undefined> {
    try {
      return await validateLogoutRequest(input, logoutDeps);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      await page(
        reply,
        400,
        messagePage("Cannot sign out", `The application sent an invalid request: ${error.description}.`),
      );
      return undefined;
    }
  }

  async function confirm(request: FastifyRequest, reply: FastifyReply, input: unknown) {
    const logout = await validate(input, reply);
    if (!logout) return reply;
    if (!(await session.account(request))) return reply.redirect(logout.redirectTo ?? "/login", 303);
    // The confirmation posts here and is answered with a redirect to the relying party.
    if (logout.redirectTo) deps.pageCsp.allowFormTargets(reply, [deps.pageCsp.sourceOf(logout.redirectTo)]);
    return page(
      reply,
      200,
      logoutPage(csrf.token(request, reply), {
        clientName: logout.client?.clientName,
        parameters: logout.parameters,
      }),
    );
  }

  app.get("/logout", async (request, reply) => confirm(request, reply, request.query));

  app.post<{ Body: Record<string, unknown> | undefined }>("/logout", async (request, reply) => {
    const form = request.body ?? {};
    if (form.csrf_token === undefined && hasLogoutParameters(form)) return confirm(request, reply, form);
    if (!csrf.verify(request, form.csrf_token)) {
      return page(reply, 403, messagePage("Sign out", CSRF_MESSAGE, { href: "/logout", text: "Sign out" }));
    }
    const logout = await validate(form, reply);
    if (!logout) return reply;
    await session.end(request, reply);
    return reply.redirect(logout.redirectTo ?? "/login?logged_out", 303);
  });
}
