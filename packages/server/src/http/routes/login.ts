import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../config/load.js";
import type { PasswordLogin } from "../../domain/login/password-login.js";
import type { PageCsp } from "../content-security-policy.js";
import { hasControlCharacters } from "../control-characters.js";
import type { Csrf } from "../csrf.js";
import { homePage } from "../pages/home-page.js";
import { loginPage } from "../pages/login-page.js";
import type { PendingLogins } from "../pending-login.js";
import { safeRedirectTarget } from "../redirect-target.js";
import type { SessionContext } from "../session-context.js";

interface LoginForm {
  username?: unknown;
  password?: unknown;
  csrf_token?: unknown;
  rd?: unknown;
}

const MESSAGES = {
  bad_credentials: "Invalid username or password.",
  account_inactive: "This account is not active. If you registered recently, it may be waiting for approval.",
  csrf: "This form has expired or was sent from another site. Please try again.",
  missing: "Please enter your username and password.",
};

export function loginRoutes(
  app: FastifyInstance,
  deps: {
    config: Config;
    csrf: Csrf;
    session: SessionContext;
    login: PasswordLogin;
    pending: PendingLogins;
    pageCsp: PageCsp;
  },
): void {
  const { config, csrf, session, login } = deps;
  const providers = config.federation.providers.map((p) => ({ id: p.id, name: p.name }));
  // The gateway sends browsers here with rd= on the protected sites' domains.
  const redirectDomains = config.gateway.allowedRedirectDomains;
  const page = (reply: FastifyReply, status: number, html: string) =>
    reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);

  app.get("/", async (request, reply) => {
    const account = await session.account(request);
    if (!account) return reply.redirect("/login", 303);
    return page(reply, 200, homePage(account, csrf.token(request, reply)));
  });

  app.get<{ Querystring: { rd?: string; logged_out?: string } }>("/login", async (request, reply) => {
    const redirectTo = safeRedirectTarget(request.query.rd, config.issuer, redirectDomains);
    if (await session.account(request)) return reply.redirect(redirectTo ?? "/", 303);
    // The form's answer may run on through /authorize to the client (remembered consent).
    deps.pageCsp.allowFormTargets(reply, await deps.pageCsp.continuationSources(redirectTo));
    return page(
      reply,
      200,
      loginPage({
        csrfToken: csrf.token(request, reply),
        redirectTo,
        notice: request.query.logged_out === undefined ? undefined : "You have signed out.",
        providers,
      }),
    );
  });

  app.post<{ Body: LoginForm | undefined }>("/login", async (request, reply) => {
    const form = request.body ?? {};
    const redirectTo = safeRedirectTarget(form.rd, config.issuer, redirectDomains);
    const username = typeof form.username === "string" ? form.username.slice(0, 256) : "";
    const retry = async (status: number, error: string) => {
      deps.pageCsp.allowFormTargets(reply, await deps.pageCsp.continuationSources(redirectTo));
      return page(
        reply,
        status,
        loginPage({ csrfToken: csrf.token(request, reply), redirectTo, username, error, providers }),
      );
    };

    if (!csrf.verify(request, form.csrf_token)) return retry(403, MESSAGES.csrf);
    if (
      !username.trim() ||
      typeof form.password !== "string" ||
      form.password.length === 0 ||
      hasControlCharacters(username)
    ) {
      return retry(400, MESSAGES.missing);
    }
    if (form.password.length > 1024) return retry(400, MESSAGES.bad_credentials);

    const outcome = await login(username, form.password, context(request));
    if (!outcome.ok) {
      if (outcome.reason === "locked") {
        reply.header("retry-after", String(outcome.retryAfter));
        return retry(429, `Too many failed attempts. Try again in ${outcome.retryAfter} seconds.`);
      }
      return retry(outcome.reason === "account_inactive" ? 403 : 401, MESSAGES[outcome.reason]);
    }
    // TOTP enabled or required: no session yet, the second step comes first (pending-login.ts).
    const secondStep = await deps.pending.begin(reply, outcome.account, redirectTo ?? null, "password");
    if (secondStep) return reply.redirect(secondStep, 303);
    await session.begin(request, reply, outcome.account.id, config.session.lifetime);
    return reply.redirect(redirectTo ?? "/", 303);
  });

  // `/logout` (also RP-initiated logout) is in logout.ts.
}

function context(request: FastifyRequest) {
  return { ip: request.ip, userAgent: request.headers["user-agent"] ?? "" };
}
