import type { FastifyInstance, FastifyReply } from "fastify";
import { throttleAddress } from "../../domain/login/client-address.js";
import type { LoginThrottle } from "../../domain/login/login-throttle.js";
import type { RegistrationService } from "../../domain/registration/registration-service.js";
import type { Csrf } from "../csrf.js";
import { messagePage } from "../pages/message-page.js";
import { type SignupPageModel, signupPage } from "../pages/signup-page.js";

interface SignupForm {
  csrf_token?: unknown;
  username?: unknown;
  name?: unknown;
  email?: unknown;
  notes?: unknown;
  password?: unknown;
  aup?: unknown;
}

const CSRF_MESSAGE = "This form has expired or was sent from another site. Please try again.";
const text = (value: unknown, max: number) => (typeof value === "string" ? value.slice(0, max) : "");

/** Key under which sign-ups from one network are counted (an `ip:` key: the per-network limit). */
export const signupThrottleKey = (ip: string) => `ip:signup:${throttleAddress(ip)}`;

/**
 * The human sign-up pages (`/register` is RFC 7591 client registration): the form, and the
 * emailed link that confirms the address. Closed sign-up answers 404.
 */
export function signupRoutes(
  app: FastifyInstance,
  deps: { csrf: Csrf; registrations: RegistrationService; throttle: LoginThrottle },
): void {
  const { csrf, registrations, throttle } = deps;
  const page = (reply: FastifyReply, status: number, html: string) =>
    reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
  const closed = (reply: FastifyReply) =>
    page(
      reply,
      404,
      messagePage("Sign-up is closed", "Accounts are created by the administrators of this service."),
    );

  app.get("/signup", async (request, reply) => {
    if (registrations.mode === "closed") return closed(reply);
    return page(reply, 200, signupPage({ csrfToken: csrf.token(request, reply) }));
  });

  app.post<{ Body: SignupForm | undefined }>("/signup", async (request, reply) => {
    if (registrations.mode === "closed") return closed(reply);
    const form = request.body ?? {};
    const values = {
      username: text(form.username, 256),
      name: text(form.name, 512),
      email: text(form.email, 512),
      notes: text(form.notes, 4000),
    };
    const aupAccepted = form.aup === "accepted";
    const retry = (status: number, extra: Partial<SignupPageModel>) =>
      page(
        reply,
        status,
        signupPage({ csrfToken: csrf.token(request, reply), values, aupAccepted, ...extra }),
      );

    if (!csrf.verify(request, form.csrf_token)) return retry(403, { error: CSRF_MESSAGE });
    const key = signupThrottleKey(request.ip);
    if (!(await throttle.charge(key))) {
      const wait = Math.max(1, await throttle.retryAfter([key]));
      reply.header("retry-after", String(wait));
      return retry(429, { error: `Too many sign-ups from your network. Try again in ${wait} seconds.` });
    }
    const outcome = await registrations.request(
      { ...values, password: text(form.password, 2048), aupAccepted },
      { ip: request.ip, userAgent: request.headers["user-agent"] ?? "" },
    );
    if (!outcome.ok) return retry(outcome.taken ? 409 : 400, { problems: outcome.problems });
    return page(
      reply,
      200,
      messagePage(
        "Check your email",
        `We sent a link to ${outcome.registration.email}. Open it within 24 hours to confirm your address; an administrator then reviews your request.`,
      ),
    );
  });

  app.get<{ Querystring: { token?: string } }>("/signup/verify", async (request, reply) => {
    if (registrations.mode === "closed") return closed(reply);
    const token = typeof request.query.token === "string" ? request.query.token : "";
    const outcome = await registrations.confirmEmail(token);
    if (!outcome.ok) {
      return page(
        reply,
        outcome.reason === "expired" ? 410 : 400,
        messagePage(
          "Link not valid",
          outcome.reason === "expired"
            ? "This confirmation link has expired. Please sign up again."
            : "This confirmation link is not valid, or was used already.",
          { href: "/signup", text: "Sign up" },
        ),
      );
    }
    return page(
      reply,
      200,
      messagePage(
        "Email confirmed",
        "Thank you: your email address is confirmed. An administrator will review your request, and we will tell you by email.",
      ),
    );
  });
}
