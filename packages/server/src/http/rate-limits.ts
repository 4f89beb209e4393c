import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Clock } from "../domain/clock.js";
import { throttleAddress } from "../domain/login/client-address.js";
import type { RateLimitCounter } from "../store/repositories/rate-limit-repository.js";
import { sendProblem } from "./errors.js";

/**
 * Request rate limits (RFC 6585 §4: 429 with `Retry-After`) per client IP and, on the OAuth
 * endpoints, per client id, in fixed windows counted in the database so they hold across nodes.
 * They sit in front of the finer throttles (failed logins, wrong user codes, sign-ups per
 * network): a coarse cap on how fast anyone may knock at all.
 *
 * The per-client key uses the client id as presented (HTTP Basic or `client_id`), before
 * authentication: its limit is higher than the per-IP one, so starving one client's budget
 * needs many networks.
 */
export interface RateLimitSettings {
  /** Window length, seconds. */
  window: number;
  /** Per window; 0 disables that limit. */
  oauthPerIp: number;
  oauthPerClient: number;
  registerPerIp: number;
  formsPerIp: number;
}

type LimitName = Exclude<keyof RateLimitSettings, "window">;

interface RouteLimits {
  /** Counters are shared by the routes of one family. */
  family: string;
  ip: LimitName;
  client?: LimitName;
}

const OAUTH: RouteLimits = { family: "oauth", ip: "oauthPerIp", client: "oauthPerClient" };
const LOGIN: RouteLimits = { family: "login", ip: "formsPerIp" };
const SIGNUP: RouteLimits = { family: "signup", ip: "formsPerIp" };
const RESET: RouteLimits = { family: "reset", ip: "formsPerIp" };
const DEVICE: RouteLimits = { family: "device", ip: "formsPerIp" };

/** Route (`METHOD /path` as registered) → the limits that apply to it. */
export const RATE_LIMITED_ROUTES: Readonly<Record<string, RouteLimits>> = {
  "POST /token": OAUTH,
  "POST /devicecode": OAUTH,
  "POST /introspect": OAUTH,
  "POST /revoke": OAUTH,
  "POST /register": { family: "register", ip: "registerPerIp" },
  "POST /login": LOGIN,
  "POST /login/totp": LOGIN,
  "POST /signup": SIGNUP,
  "POST /api/v1/registrations": SIGNUP,
  "POST /login/reset": RESET,
  "POST /login/reset/confirm": RESET,
  // User-code entry: throttled per user already; per network too, so many accounts do not add up.
  "GET /device": DEVICE,
  "POST /device": DEVICE,
};

const BASIC = /^Basic +([A-Za-z0-9+/=]+) *$/i;

/** The client id a request presents (RFC 6749 §2.3.1 Basic, or the form's `client_id`). */
function presentedClientId(request: FastifyRequest): string | undefined {
  const basic = BASIC.exec(request.headers.authorization ?? "")?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      try {
        return decodeURIComponent(decoded.slice(0, colon)).slice(0, 256);
      } catch {
        return decoded.slice(0, Math.min(colon, 256));
      }
    }
  }
  const body = request.body;
  if (body !== null && typeof body === "object") {
    const id = (body as Record<string, unknown>).client_id;
    if (typeof id === "string" && id !== "") return id.slice(0, 256);
  }
  return undefined;
}

/** One hook for every limited route, looked up by its registered method and path; before schema validation, so malformed requests count too. */
export function installRateLimits(
  app: FastifyInstance,
  deps: { counter: RateLimitCounter; clock: Clock; settings: RateLimitSettings },
): void {
  const { counter, clock, settings } = deps;
  const windowMs = settings.window * 1000;
  app.addHook("preValidation", async (request, reply) => {
    const limits = RATE_LIMITED_ROUTES[`${request.method} ${request.routeOptions.url ?? ""}`];
    if (!limits) return;
    const now = clock.now();
    const windowStart = now - (now % windowMs);
    const checks: Array<[string, number]> = [
      [`${limits.family}:ip:${throttleAddress(request.ip)}`, settings[limits.ip]],
    ];
    const clientId = limits.client ? presentedClientId(request) : undefined;
    if (limits.client && clientId !== undefined) {
      checks.push([`${limits.family}:client:${clientId}`, settings[limits.client]]);
    }
    for (const [key, limit] of checks) {
      if (limit <= 0) continue;
      if ((await counter.hit(key, windowStart)) > limit) {
        const wait = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
        request.log.info({ limit: key.split(":").slice(0, 2).join(":") }, "rate limit reached");
        reply.header("retry-after", String(wait));
        return sendProblem(
          request,
          reply,
          429,
          "rate_limited",
          `Too many requests. Try again in ${wait} seconds.`,
        );
      }
    }
  });
}
