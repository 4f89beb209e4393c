import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../config/load.js";
import type { Clock } from "../../domain/clock.js";
import { ConflictError } from "../../domain/errors.js";
import type { FederatedLogin } from "../../domain/federation/federated-login.js";
import { UpstreamError } from "../../domain/federation/upstream.js";
import type { Upstreams } from "../../domain/federation/upstreams.js";
import type { CookieSettings } from "../cookies.js";
import { createFederationStateSealer } from "../federation-state.js";
import { pendingRegistrationPage } from "../pages/federation-pages.js";
import { messagePage } from "../pages/message-page.js";
import type { PendingLogins } from "../pending-login.js";
import { safeRedirectTarget } from "../redirect-target.js";
import type { SessionContext } from "../session-context.js";

const FLOW_LIFETIME_SECONDS = 600;
const UPSTREAM_STATUS = { access_denied: 403, not_allowed: 403, invalid_response: 400, unavailable: 502 };

/**
 * Federated login and account linking:
 * - `GET /login/federated/:provider?rd=` sends the browser to the upstream provider;
 * - `GET /account/link/:provider?rd=` does the same for a signed-in user who adds an identity;
 * - `GET /login/federated/:provider/callback` checks state, nonce and PKCE (sealed cookie, used
 *   once), then signs in, enrols, registers (pending) or links. Every failure is an error page.
 */
export function federationRoutes(
  app: FastifyInstance,
  deps: {
    config: Config;
    session: SessionContext;
    cookies: CookieSettings;
    stateKey: Uint8Array;
    /** The second factor, when `login.requireTotp` covers the account (federated logins are otherwise single-factor). */
    pending: PendingLogins;
    federation: FederatedLogin;
    upstreams: Upstreams;
    oneTimeIds: { firstUse(id: string, expiresAt: number): Promise<boolean> };
    clock: Clock;
  },
): void {
  const { config, session, cookies, federation, upstreams, clock } = deps;
  const sealer = createFederationStateSealer(deps.stateKey);
  const cookieName = `${cookies.sessionName.startsWith("__Host-") ? "__Host-" : ""}tessera_federation`;
  const callbackUri = (provider: string) => `${config.issuer}/login/federated/${provider}/callback`;
  const page = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").send(body);
  const fail = (reply: FastifyReply, status: number, message: string) =>
    page(reply, status, messagePage("Sign-in failed", message, { href: "/login", text: "Back to sign in" }));
  const context = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: request.headers["user-agent"] ?? "",
  });

  async function start(
    request: FastifyRequest,
    reply: FastifyReply,
    provider: string,
    redirectTo: string | null,
    linkAccountId: string | null,
  ) {
    const entry = upstreams.get(provider);
    if (!entry) return fail(reply, 404, "There is no such sign-in provider.");
    let started: Awaited<ReturnType<typeof entry.upstream.start>>;
    try {
      started = await entry.upstream.start(callbackUri(provider));
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      request.log.warn({ err: error, provider }, "upstream provider unavailable");
      return fail(reply, 502, `${entry.upstream.name} cannot be reached right now. Please try again later.`);
    }
    const sealed = sealer.seal({
      provider,
      pending: started.pending,
      redirectTo,
      linkAccountId,
      expiresAt: clock.now() + FLOW_LIFETIME_SECONDS * 1000,
    });
    reply.setCookie(cookieName, sealed, cookies.options(FLOW_LIFETIME_SECONDS));
    return reply.header("cache-control", "no-store").redirect(started.url, 303);
  }

  app.get<{ Params: { provider: string }; Querystring: { rd?: string } }>(
    "/login/federated/:provider",
    async (request, reply) =>
      start(
        request,
        reply,
        request.params.provider,
        safeRedirectTarget(request.query.rd, config.issuer, config.gateway.allowedRedirectDomains) ?? null,
        null,
      ),
  );

  app.get<{ Params: { provider: string }; Querystring: { rd?: string } }>(
    "/account/link/:provider",
    async (request, reply) => {
      const account = await session.account(request);
      // Where to return once linked (the dashboard's profile), checked like any other `rd`.
      const back = safeRedirectTarget(request.query.rd, config.issuer, config.gateway.allowedRedirectDomains);
      const here = `/account/link/${encodeURIComponent(request.params.provider)}${back ? `?rd=${encodeURIComponent(back)}` : ""}`;
      if (!account) return reply.redirect(`/login?rd=${encodeURIComponent(here)}`, 303);
      return start(request, reply, request.params.provider, back ?? null, account.id);
    },
  );

  app.get<{ Params: { provider: string } }>("/login/federated/:provider/callback", async (request, reply) => {
    const { provider } = request.params;
    const entry = upstreams.get(provider);
    if (!entry) return fail(reply, 404, "There is no such sign-in provider.");
    const state = sealer.open(request.cookies[cookieName]);
    if (request.cookies[cookieName] !== undefined) reply.clearCookie(cookieName, cookies.options());
    const expired = "This sign-in has expired or was already used. Please start again.";
    if (!state || state.provider !== provider || state.expiresAt < clock.now())
      return fail(reply, 400, expired);
    // Single use, on every node: a replayed callback (even with a copied cookie) stops here.
    if (!(await deps.oneTimeIds.firstUse(`federation:${state.pending.state}`, state.expiresAt)))
      return fail(reply, 400, expired);

    const callback = new URL(callbackUri(provider));
    callback.search = new URL(request.url, config.issuer).search;
    let identity: Awaited<ReturnType<typeof entry.upstream.finish>>;
    try {
      identity = await entry.upstream.finish(callback, state.pending);
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      request.log.warn({ err: error, provider }, "federated sign-in refused");
      const message =
        error.code === "access_denied"
          ? `${entry.upstream.name} did not sign you in.`
          : error.code === "not_allowed"
            ? `Your ${entry.upstream.name} account may not sign in here: ${error.message}.`
            : error.code === "unavailable"
              ? `${entry.upstream.name} cannot be reached right now. Please try again later.`
              : `The answer from ${entry.upstream.name} could not be verified. Please start again.`;
      return fail(reply, UPSTREAM_STATUS[error.code], message);
    }

    if (state.linkAccountId !== null) {
      const account = await session.account(request);
      if (account?.id !== state.linkAccountId)
        return fail(reply, 403, "Sign in to the account you want to link first, then start again.");
      try {
        await federation.link(account, identity, context(request));
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        return page(
          reply,
          409,
          messagePage(
            "Identity already linked",
            `This ${entry.upstream.name} identity already belongs to another account. An identity can be linked to one account only.`,
            { href: "/", text: "Back to your account" },
          ),
        );
      }
      return reply.redirect(state.redirectTo ?? "/", 303);
    }

    const outcome = await federation.signIn(identity, entry.policy, context(request));
    if (outcome.kind === "pending")
      return page(reply, 200, pendingRegistrationPage(outcome.account, entry.upstream.name));
    if (outcome.kind === "refused")
      return fail(
        reply,
        403,
        "This account is not active. If you registered recently, it may be waiting for approval.",
      );
    const secondStep = await deps.pending.begin(reply, outcome.account, state.redirectTo, "federated");
    if (secondStep) return reply.redirect(secondStep, 303);
    await session.begin(request, reply, outcome.account.id, config.session.lifetime);
    return reply.redirect(state.redirectTo ?? "/", 303);
  });
}
