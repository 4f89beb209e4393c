/**
 * The `id_token_hint` of OpenID Connect RP-Initiated Logout 1.0 §2:
 * - it must be an ID token this server issued: signed by one of its published keys (RS256 or
 *   ES256, header `kid`), `typ` JWT (so an access token, `at+jwt`, is no hint), `iss` this issuer;
 * - "The OP need not be listed as an audience of the ID Token when it is used as an
 *   id_token_hint value", and an expired ID token is still acceptable: the signature, not the
 *   lifetime, is what proves the relying party received it. `exp` is therefore not enforced.
 *
 * A hint that fails any rule yields `undefined`; storage errors still propagate.
 */
import { MAX_TOKEN_LENGTH } from "@tessera/verify";
import { createLocalJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import type { Clock } from "../domain/clock.js";
import type { KeyRing } from "../domain/keys/key-ring.js";

export interface IdTokenHint {
  sub: string;
  /** `aud` as a list (a single string becomes one item). */
  audiences: string[];
  azp: string | undefined;
}

const ALGORITHMS = ["RS256", "ES256"];

function toHint(payload: JWTPayload): IdTokenHint | undefined {
  const audiences = typeof payload.aud === "string" ? [payload.aud] : (payload.aud ?? []);
  if (typeof payload.sub !== "string" || audiences.length === 0) return undefined;
  if (payload.azp !== undefined && typeof payload.azp !== "string") return undefined;
  return { sub: payload.sub, audiences, azp: payload.azp };
}

export function createIdTokenHintVerifier(deps: {
  keys: Pick<KeyRing, "jwks">;
  issuer: string;
  clock: Clock;
}) {
  return async function verifyIdTokenHint(token: string): Promise<IdTokenHint | undefined> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    try {
      const keySet = createLocalJWKSet(await deps.keys.jwks());
      const { payload } = await jwtVerify(
        token,
        async (header, input) => {
          if (typeof header.kid !== "string") throw new errors.JWSInvalid("the token header names no key");
          return keySet(header, input);
        },
        {
          issuer: deps.issuer,
          algorithms: ALGORITHMS,
          typ: "JWT",
          currentDate: new Date(deps.clock.now()),
          requiredClaims: ["sub", "aud"],
        },
      );
      return toHint(payload);
    } catch (error) {
      // Claims are checked after the signature, and `exp` last: an expired hint is still ours.
      if (error instanceof errors.JWTExpired && error.claim === "exp") return toHint(error.payload);
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
  };
}

export type IdTokenHintVerifier = ReturnType<typeof createIdTokenHintVerifier>;
