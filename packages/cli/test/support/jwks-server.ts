import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

export interface JwksIssuer {
  issuer: string;
  sign(
    claims: JWTPayload,
    options?: { alg?: "RS256" | "ES256"; key?: CryptoKey; lifetime?: number },
  ): Promise<string>;
  /** A key the issuer does not publish, to forge signatures with. */
  foreignKey: CryptoKey;
  close(): Promise<void>;
}

/** A tiny issuer on node:http: a discovery document and a JWKS with one RS256 and one ES256 key. */
export async function startJwksIssuer(): Promise<JwksIssuer> {
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const ec = await generateKeyPair("ES256", { extractable: true });
  const foreign = await generateKeyPair("RS256");
  const keys = [
    { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
    { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" },
  ];
  const server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/openid-configuration") {
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwk` }));
    } else if (req.url === "/jwk") {
      res.end(JSON.stringify({ keys }));
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    foreignKey: foreign.privateKey,
    async sign(claims, options = {}) {
      const alg = options.alg ?? "RS256";
      const key = options.key ?? (alg === "RS256" ? rsa.privateKey : ec.privateKey);
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ "wlcg.ver": "1.0", ...claims })
        .setProtectedHeader({ alg, kid: alg === "RS256" ? "rsa-1" : "ec-1", typ: "at+jwt" })
        .setIssuer(typeof claims.iss === "string" ? claims.iss : issuer)
        .setSubject("alice")
        .setAudience("https://wlcg.cern.ch/jwt/v1/any")
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + (options.lifetime ?? 20 * 60))
        .setJti("jti-1")
        .sign(key);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
