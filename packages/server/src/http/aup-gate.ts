import type { FastifyInstance } from "fastify";
import type { AupService } from "../domain/aup/aup-service.js";
import type { SessionContext } from "./session-context.js";

// The pages where a signed-in person uses Tessera: each waits until the AUP is signed.
const GATED = new Set(["/", "/authorize", "/device"]);

/**
 * Sends a signed-in user whose AUP signature is missing or stale to `/aup` before any of the
 * gated pages, and back afterwards. One hook for all of them, so no page can forget it; the
 * token issuer refuses tokens to the same people, which covers the non-browser paths.
 */
export function installAupGate(
  app: FastifyInstance,
  deps: { session: SessionContext; aup: AupService },
): void {
  app.addHook("preHandler", async (request, reply) => {
    if (!GATED.has(request.routeOptions.url ?? "")) return;
    const current = await deps.session.current(request);
    if (!current || !(await deps.aup.mustSign(current.account.id))) return;
    const back = request.method === "GET" ? request.url : (request.routeOptions.url ?? "/");
    return reply.redirect(`/aup?rd=${encodeURIComponent(back)}`, 303);
  });
}
