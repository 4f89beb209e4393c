import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../config/load.js";
import { type AccountRepository, isAccountUsable } from "../../domain/accounts/account.js";
import type { Clock } from "../../domain/clock.js";
import type { TotpService } from "../../domain/totp/totp-service.js";
import type { PageCsp } from "../content-security-policy.js";
import type { Csrf } from "../csrf.js";
import { messagePage } from "../pages/message-page.js";
import { recoveryCodesPage, totpEnrolPage, totpPage } from "../pages/totp-pages.js";
import type { PendingLogin, PendingLogins } from "../pending-login.js";
import type { SessionContext } from "../session-context.js";
import { qrCodeDataUri } from "../totp-qr.js";

interface CodeForm {
  code?: unknown;
  csrf_token?: unknown;
}

const MESSAGES = {
  bad_code: "That code is not valid. Check the time on your device and try again.",
  reused_code: "That code was already used. Wait for the next one.",
  csrf: "This form has expired or was sent from another site. Please try again.",
};

/**
 * The second step of a login (see pending-login.ts): `/login/totp` asks for a code or a
 * recovery code; `/login/totp/enrol` sets TOTP up when `login.requireTotp` demands it and the
 * account has none. Both need the pending-login cookie and the CSRF token; wrong codes are
 * throttled and audited by the TOTP service. Success starts the session and goes to the target.
 */
export function totpLoginRoutes(
  app: FastifyInstance,
  deps: {
    pageCsp: PageCsp;
    config: Config;
    csrf: Csrf;
    session: SessionContext;
    pending: PendingLogins;
    totp: TotpService;
    accounts: AccountRepository;
    clock: Clock;
  },
): void {
  const { config, csrf, session, pending, totp, accounts, clock } = deps;
  const page = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").send(body);
  const expired = (request: FastifyRequest, reply: FastifyReply) => {
    pending.clear(request, reply);
    return page(
      reply,
      400,
      messagePage("Sign-in expired", "This sign-in has expired. Please sign in again.", {
        href: "/login",
        text: "Sign in",
      }),
    );
  };
  const context = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: request.headers["user-agent"] ?? "",
  });

  /** The pending login's account, if the login is still pending at `step` and the account may sign in. */
  async function pendingAccount(request: FastifyRequest, step: PendingLogin["step"]) {
    const state = pending.current(request);
    if (!state || state.step !== step) return undefined;
    const found = await accounts.findById(state.accountId);
    if (!found || !isAccountUsable(found, clock.now())) return undefined;
    const { passwordHash: _secret, ...account } = found;
    return { state, account };
  }

  async function finish(request: FastifyRequest, reply: FastifyReply, accountId: string) {
    pending.clear(request, reply);
    await session.begin(request, reply, accountId, config.session.lifetime);
  }

  // The second-factor forms' answers may run on through /authorize to the client.
  const allowContinuation = async (reply: FastifyReply, redirectTo: string | null | undefined) =>
    deps.pageCsp.allowFormTargets(reply, await deps.pageCsp.continuationSources(redirectTo ?? undefined));

  app.get("/login/totp", async (request, reply) => {
    const found = await pendingAccount(request, "verify");
    if (!found) return reply.redirect("/login", 303);
    await allowContinuation(reply, found.state.redirectTo);
    return page(reply, 200, totpPage({ csrfToken: csrf.token(request, reply) }));
  });

  app.post<{ Body: CodeForm | undefined }>("/login/totp", async (request, reply) => {
    const form = request.body ?? {};
    const retry = (status: number, error: string) =>
      page(reply, status, totpPage({ csrfToken: csrf.token(request, reply), error }));
    if (!csrf.verify(request, form.csrf_token)) return retry(403, MESSAGES.csrf);
    const found = await pendingAccount(request, "verify");
    if (!found) return expired(request, reply);
    await allowContinuation(reply, found.state.redirectTo);
    const code = typeof form.code === "string" ? form.code.slice(0, 64) : "";
    const outcome = await totp.verifyLogin(found.account, code, context(request));
    if (!outcome.ok) {
      if (outcome.reason === "locked") {
        reply.header("retry-after", String(outcome.retryAfter));
        return retry(429, `Too many failed attempts. Try again in ${outcome.retryAfter} seconds.`);
      }
      if (outcome.reason === "not_enrolled") return expired(request, reply);
      return retry(401, MESSAGES[outcome.reason]);
    }
    await finish(request, reply, found.account.id);
    return reply.redirect(found.state.redirectTo ?? "/", 303);
  });

  const enrolPage = async (request: FastifyRequest, reply: FastifyReply, status: number, error?: string) => {
    const found = await pendingAccount(request, "enrol");
    if (!found) return reply.redirect("/login", 303);
    await allowContinuation(reply, found.state.redirectTo);
    const enrolment = await totp.start(found.account, { reuse: true });
    // Enabled meanwhile (another tab): the code step applies instead.
    if (!enrolment) return expired(request, reply);
    return page(
      reply,
      status,
      totpEnrolPage({
        csrfToken: csrf.token(request, reply),
        secret: enrolment.secret,
        uri: enrolment.uri,
        qrCode: qrCodeDataUri(enrolment.uri),
        error,
      }),
    );
  };

  app.get("/login/totp/enrol", async (request, reply) => enrolPage(request, reply, 200));

  app.post<{ Body: CodeForm | undefined }>("/login/totp/enrol", async (request, reply) => {
    const form = request.body ?? {};
    if (!csrf.verify(request, form.csrf_token)) return enrolPage(request, reply, 403, MESSAGES.csrf);
    const found = await pendingAccount(request, "enrol");
    if (!found) return expired(request, reply);
    const code = typeof form.code === "string" ? form.code.slice(0, 16) : "";
    const outcome = await totp.confirm(found.account, code, context(request));
    if (!outcome.ok) {
      if (outcome.reason === "locked") {
        reply.header("retry-after", String(outcome.retryAfter));
        return enrolPage(
          request,
          reply,
          429,
          `Too many failed attempts. Try again in ${outcome.retryAfter} seconds.`,
        );
      }
      if (outcome.reason === "not_enrolled") return expired(request, reply);
      return enrolPage(request, reply, 401, MESSAGES[outcome.reason]);
    }
    await finish(request, reply, found.account.id);
    return page(
      reply,
      200,
      recoveryCodesPage({ codes: outcome.recoveryCodes, continueTo: found.state.redirectTo ?? "/" }),
    );
  });
}
