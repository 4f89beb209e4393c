import type { CookieSerializeOptions } from "@fastify/cookie";

export interface CookieSettings {
  sessionName: string;
  csrfName: string;
  options(maxAgeSeconds?: number): CookieSerializeOptions;
}

/**
 * Cookie names and attributes. Over https the `__Host-` prefix makes the browser refuse any
 * version of the cookie set by another host or path, which closes cookie-tossing attacks.
 */
export function cookieSettings(issuer: string): CookieSettings {
  const secure = new URL(issuer).protocol === "https:";
  const prefix = secure ? "__Host-" : "";
  return {
    sessionName: `${prefix}tessera_session`,
    csrfName: `${prefix}tessera_csrf`,
    options: (maxAgeSeconds) => ({
      path: "/",
      httpOnly: true,
      secure,
      sameSite: "lax",
      ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
    }),
  };
}
