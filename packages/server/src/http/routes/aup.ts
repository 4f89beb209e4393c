import type { FastifyInstance, FastifyReply } from "fastify";
import type { Config } from "../../config/load.js";
import type { AupService } from "../../domain/aup/aup-service.js";
import type { PageCsp } from "../content-security-policy.js";
import type { Csrf } from "../csrf.js";
import { aupPage } from "../pages/aup-page.js";
import { messagePage } from "../pages/message-page.js";
import { safeRedirectTarget } from "../redirect-target.js";
import type { SessionContext } from "../session-context.js";

/** The page where a signed-in user reads and signs the AUP, then goes back where they were. */
export function aupRoutes(
  app: FastifyInstance,
  deps: { config: Config; csrf: Csrf; session: SessionContext; aup: AupService; pageCsp: PageCsp },
): void {
  const { config, csrf, session, aup } = deps;
  const page = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").send(body);

  app.get<{ Querystring: { rd?: string } }>("/aup", async (request, reply) => {
    const current = await session.current(request);
    const redirectTo = safeRedirectTarget(request.query.rd, config.issuer);
    if (!current)
      return reply.redirect(
        `/login?rd=${encodeURIComponent(`/aup${redirectTo ? `?rd=${encodeURIComponent(redirectTo)}` : ""}`)}`,
        303,
      );
    const status = await aup.status(current.account.id);
    if (!status.aup)
      return page(
        reply,
        200,
        messagePage("Acceptable use policy", "There is no acceptable use policy to sign.", {
          href: "/",
          text: "Continue",
        }),
      );
    deps.pageCsp.allowFormTargets(reply, await deps.pageCsp.continuationSources(redirectTo));
    return page(
      reply,
      200,
      aupPage({
        aup: status.aup,
        csrfToken: csrf.token(request, reply),
        redirectTo,
        stale: status.signedAt !== null && status.mustSign,
      }),
    );
  });

  app.post<{ Body: { csrf_token?: unknown; rd?: unknown } | undefined }>("/aup", async (request, reply) => {
    const current = await session.current(request);
    if (!current) return reply.redirect("/login?rd=%2Faup", 303);
    if (!csrf.verify(request, request.body?.csrf_token)) {
      return page(
        reply,
        403,
        messagePage("Acceptable use policy", "This form has expired. Please try again.", {
          href: "/aup",
          text: "Back",
        }),
      );
    }
    await aup.sign(current.account, { ip: request.ip, userAgent: request.headers["user-agent"] ?? null });
    return reply.redirect(safeRedirectTarget(request.body?.rd, config.issuer) ?? "/", 303);
  });
}
