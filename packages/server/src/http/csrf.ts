import { createHmac } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { randomSecret, safeEqual } from "../domain/secrets/random-secret.js";
import type { CookieSettings } from "./cookies.js";

/**
 * Signed double-submit CSRF protection for every form: a random cookie, and in the form an
 * HMAC of it under a server key. An attacker can neither read the cookie nor forge the HMAC;
 * a planted cookie (from a sibling subdomain) is useless without the matching HMAC. On top of
 * that, a POST whose Origin is another site is refused outright.
 */
export function createCsrf(key: Uint8Array, cookies: CookieSettings, issuerOrigin: string) {
  const sign = (value: string) => createHmac("sha256", key).update(value).digest("base64url");

  return {
    /** The token to put in a form, issuing the cookie when the browser has none. */
    token(request: FastifyRequest, reply: FastifyReply): string {
      let value = request.cookies[cookies.csrfName];
      if (value?.length !== 43) {
        value = randomSecret();
        reply.setCookie(cookies.csrfName, value, cookies.options());
      }
      return sign(value);
    },

    /** True when the submitted form carries a token matching this browser's cookie. */
    verify(request: FastifyRequest, submitted: unknown): boolean {
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== issuerOrigin) return false;
      const value = request.cookies[cookies.csrfName];
      if (!value || typeof submitted !== "string" || submitted.length === 0) return false;
      return safeEqual(sign(value), submitted);
    },
  };
}

export type Csrf = ReturnType<typeof createCsrf>;
