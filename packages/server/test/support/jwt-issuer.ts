import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

/**
 * A second OAuth issuer for gateway tests: discovery document and JWKS over real HTTP on
 * 127.0.0.1, and a signer for its access tokens (ES256, `kid`, `typ: at+jwt`).
 */
export async function startJwtIssuer() {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "other-1", alg: "ES256", use: "sig" };
  let issuer = "";
  let jwksRequests = 0;
  const server: Server = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    if (request.url === "/.well-known/openid-configuration") {
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (request.url === "/jwks") {
      jwksRequests++;
      response.end(JSON.stringify({ keys: [jwk] }));
    } else {
      response.statusCode = 404;
      response.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksRequests: () => jwksRequests,
    /** An access token of this issuer; `now` in ms (the Tessera test clock). */
    sign(claims: Record<string, unknown>, now: number, lifetime = 1200): Promise<string> {
      const iat = Math.floor(now / 1000);
      return new SignJWT({ "wlcg.ver": "1.0", aud: "https://wlcg.cern.ch/jwt/v1/any", ...claims })
        .setProtectedHeader({ alg: "ES256", kid: "other-1", typ: "at+jwt" })
        .setIssuer(issuer)
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .setJti(crypto.randomUUID())
        .sign(privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
