import type { FastifyInstance } from "fastify";
import type { Csrf } from "../csrf.js";
import { HttpError } from "../errors.js";
import type { ApiCallers } from "./api-caller.js";

/**
 * `GET /api/v1/me/csrf`: the CSRF token of this browser session, the value a session caller
 * sends as `X-CSRF-Token` on every change (the same HMAC the server pages put in their forms).
 * Only for a session: a bearer caller needs no CSRF token. Another site cannot read the answer
 * (same-origin policy; the API sends no CORS headers), so handing it out is safe.
 */
export function csrfApi(app: FastifyInstance, deps: { callers: ApiCallers; csrf: Csrf }): void {
  app.get(
    "/me/csrf",
    { schema: { tags: ["accounts"], summary: "The CSRF token for this browser session" } },
    async (request, reply) => {
      const caller = await deps.callers.identify(request);
      if (caller.via !== "session")
        throw new HttpError(400, "not_a_session", "only a browser session uses a CSRF token");
      return { csrf_token: deps.csrf.token(request, reply) };
    },
  );
}
