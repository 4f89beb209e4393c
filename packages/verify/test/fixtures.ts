// Test fixtures: real keys (jose), a real issuer over HTTP (node:http on 127.0.0.1, port 0)
// serving discovery and JWKS, and a signer for tokens with any header or claims.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_AUDIENCE } from "@tessera/profile";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

/** The frozen "now" of every test, in seconds. */
export const NOW = 1_800_000_000;
export const clock = (): Date => new Date(NOW * 1000);

export type HttpFixture = {
  baseUrl: string;
  /** Serves `body` as JSON at `path`. */
  serve: (path: string, body: unknown) => void;
  /** How many requests `path` received. */
  hits: (path: string) => number;
  /** Every path requested, in order. */
  requested: () => string[];
  close: () => Promise<void>;
};

export async function startHttp(): Promise<HttpFixture> {
  const routes = new Map<string, unknown>();
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    log.push(path);
    const body = routes.get(path);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    serve: (path, body) => {
      routes.set(path, body);
    },
    hits: (path) => log.filter((p) => p === path).length,
    requested: () => [...log],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export type SigningKey = { kid: string; alg: "RS256" | "ES256"; privateKey: CryptoKey; publicJwk: JWK };

export async function makeKey(kid: string, alg: "RS256" | "ES256"): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, publicJwk };
}

export function jwks(...keys: SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** An issuer served at `${baseUrl}${prefix}` with discovery and a JWKS at `${prefix}/jwks`. */
export function serveIssuer(http: HttpFixture, prefix: string, ...keys: SigningKey[]): string {
  const issuer = `${http.baseUrl}${prefix}`;
  http.serve(`${prefix}/.well-known/openid-configuration`, { issuer, jwks_uri: `${issuer}/jwks` });
  http.serve(`${prefix}/jwks`, jwks(...keys));
  return issuer;
}

/** Claims of a valid WLCG access token from `issuer` at the frozen time. */
export function baseClaims(issuer: string): JWTPayload {
  return {
    iss: issuer,
    sub: "alice",
    aud: DEFAULT_AUDIENCE,
    iat: NOW - 60,
    nbf: NOW - 60,
    exp: NOW + 1140,
    jti: randomUUID(),
    "wlcg.ver": "1.0",
    scope: "storage.read:/cms storage.modify:/cms/store/user/alice compute.read",
  };
}

export type SignOptions = {
  /** Header parameters added to or replacing `{ alg, kid, typ: "at+jwt" }`; `undefined` removes one. */
  header?: Record<string, unknown>;
  crit?: Record<string, boolean>;
};

/** Signs `claims` exactly as given (no defaults are added by jose). */
export async function sign(key: SigningKey, claims: JWTPayload, options: SignOptions = {}): Promise<string> {
  const header: Record<string, unknown> = { alg: key.alg, kid: key.kid, typ: "at+jwt", ...options.header };
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name];
  return new SignJWT(claims)
    .setProtectedHeader(header as { alg: string })
    .sign(key.privateKey, options.crit === undefined ? undefined : { crit: options.crit });
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

/** An unsecured JWT (`alg: none`) with the given header and claims. */
export function unsecured(header: Record<string, unknown>, claims: JWTPayload): string {
  return `${b64url({ alg: "none", ...header })}.${b64url(claims)}.`;
}
