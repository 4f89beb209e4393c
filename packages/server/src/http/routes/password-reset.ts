import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PASSWORD_MIN_LENGTH } from "../../domain/accounts/passwords.js";
import type { PasswordReset } from "../../domain/login/password-reset.js";
import type { Csrf } from "../csrf.js";
import { messagePage } from "../pages/message-page.js";
import { resetConfirmPage, resetRequestPage } from "../pages/password-reset-page.js";

const CSRF_MESSAGE = "This form has expired or was sent from another site. Please try again.";
const INVALID_LINK = "This link is not valid: it has expired or was used already. Ask for a new one.";

/** "Forgot your password?": ask for a link by email, then choose a new password with it. */
export function passwordResetRoutes(app: FastifyInstance, deps: { csrf: Csrf; reset: PasswordReset }): void {
  const { csrf, reset } = deps;
  const page = (reply: FastifyReply, status: number, html: string) =>
    reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
  const context = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: request.headers["user-agent"] ?? "",
  });
  const invalidLink = (reply: FastifyReply) =>
    page(
      reply,
      400,
      messagePage("Link not valid", INVALID_LINK, { href: "/login/reset", text: "Ask for a new link" }),
    );

  app.get("/login/reset", async (request, reply) =>
    page(reply, 200, resetRequestPage({ csrfToken: csrf.token(request, reply) })),
  );

  app.post<{ Body: { csrf_token?: unknown; identifier?: unknown } | undefined }>(
    "/login/reset",
    async (request, reply) => {
      const form = request.body ?? {};
      const identifier = typeof form.identifier === "string" ? form.identifier.slice(0, 320) : "";
      const retry = (status: number, error: string) =>
        page(reply, status, resetRequestPage({ csrfToken: csrf.token(request, reply), identifier, error }));
      if (!csrf.verify(request, form.csrf_token)) return retry(403, CSRF_MESSAGE);
      if (!identifier.trim()) return retry(400, "Enter your username or email address.");
      const outcome = await reset.request(identifier, context(request));
      if (!outcome.ok) {
        reply.header("retry-after", String(outcome.retryAfter));
        return retry(429, `Too many requests. Try again in ${outcome.retryAfter} seconds.`);
      }
      // The same answer whether or not an account matched.
      return page(
        reply,
        200,
        messagePage(
          "Check your email",
          "If this is the username or email address of an account, we have sent a link to its email address. The link works for one hour.",
          { href: "/login", text: "Back to sign in" },
        ),
      );
    },
  );

  app.get<{ Querystring: { token?: string } }>("/login/reset/confirm", async (request, reply) => {
    const token = typeof request.query.token === "string" ? request.query.token : "";
    if (!(await reset.check(token))) return invalidLink(reply);
    return page(reply, 200, resetConfirmPage({ csrfToken: csrf.token(request, reply), token }));
  });

  app.post<{ Body: { csrf_token?: unknown; token?: unknown; password?: unknown } | undefined }>(
    "/login/reset/confirm",
    async (request, reply) => {
      const form = request.body ?? {};
      const token = typeof form.token === "string" ? form.token.slice(0, 64) : "";
      const retry = (status: number, error: string) =>
        page(reply, status, resetConfirmPage({ csrfToken: csrf.token(request, reply), token, error }));
      if (!csrf.verify(request, form.csrf_token)) return retry(403, CSRF_MESSAGE);
      const password = typeof form.password === "string" ? form.password : "";
      const outcome = await reset.confirm(token, password, context(request));
      if (!outcome.ok) {
        if (outcome.reason === "weak_password")
          return retry(400, `Choose a password of ${PASSWORD_MIN_LENGTH} to 1024 characters.`);
        return invalidLink(reply);
      }
      return page(
        reply,
        200,
        messagePage(
          "Password changed",
          "Your password has been changed and every session of your account ended.",
          {
            href: "/login",
            text: "Sign in",
          },
        ),
      );
    },
  );
}
