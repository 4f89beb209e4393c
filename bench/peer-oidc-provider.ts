// Tessera next to a peer, in one run: the same token-endpoint workloads against Tessera (SQLite)
// and against oidc-provider (npm), both in this process, one after the other (Tessera is closed
// before oidc-provider starts, so the requests per CPU-second of each are its own), both signing
// RS256 with an RSA-2048 key, both loaded by separate autocannon processes with 16 connections:
// 1. client_credentials, scope storage.read:/cms/data, a signed JWT access token;
// 2. refresh_token with rotation (a fresh refresh token per request, minted up front, each in a
//    grant/family of its own): a JWT access token, an ID token and a new refresh token.
// Usage: npm run bench:peer [-- seconds]
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { loadConfig } from "../packages/server/src/config/load.js";
import { hashSecret, randomSecret } from "../packages/server/src/domain/secrets/random-secret.js";
import { type LoadResult, machine, runLoad, runSingleUseLoad, startBenchServer } from "./run-load.js";

const seconds = Number(process.argv[2] ?? 10);
const warmupSeconds = Math.max(1, Math.min(3, Math.round(seconds / 5)));
const connections = 16;
const CC_BODY = "grant_type=client_credentials&scope=storage.read%3A%2Fcms%2Fdata";
const REFRESH_PREFIX = "grant_type=refresh_token&refresh_token=";
/** Tessera's default `aud`; oidc-provider's resource indicator and audience, so the tokens match. */
const AUDIENCE = "https://wlcg.cern.ch/jwt/v1/any";
const REFRESH_SCOPE = ["openid", "offline_access", "storage.read:/cms"];
const lifetimes = loadConfig({ TESSERA_DATA_DIR: tmpdir() }).tokens;

const peerPackage = JSON.parse(
  readFileSync(new URL("../node_modules/oidc-provider/package.json", import.meta.url), "utf8"),
) as { version: string };

console.log(`Tessera vs oidc-provider ${peerPackage.version} — ${machine()}`);
console.log(
  `${seconds} s per run (after a ${warmupSeconds} s client_credentials warm-up per server), ${connections} connections, load from separate autocannon processes; one server at a time`,
);
console.log(
  "Same on both sides: RS256 with an RSA-2048 key, client_secret_basic, the same request bodies, aud, lifetimes, and rotation of every refresh token",
);
console.log(
  "Not the same: Tessera's tokens add wlcg.ver and nbf; Tessera checks the client secret against a SHA-256 hash and reads the account (and its groups) from SQLite on refresh, oidc-provider compares the secret in plain and its findAccount here is a constant function; Fastify vs Koa",
);
console.log(
  "Storage: Tessera persists to SQLite; oidc-provider keeps everything in memory (its default memory adapter, its 1000-entry LRU replaced by an unbounded Map so the pre-minted refresh tokens stay)",
);

interface Side {
  clientCredentials: LoadResult;
  refresh: LoadResult;
}

/** One token request, checked: the benchmark must compare 200s carrying the same kind of tokens. */
async function tokenRequest(
  url: string,
  authorization: string,
  body: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/token`, {
    method: "POST",
    headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200)
    throw new Error(`${url}/token answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** What the access token is: its header and claim names, to show both sides issue the same kind. */
function describe(side: string, grant: string, response: Record<string, unknown>): void {
  const token = String(response.access_token);
  const parts = token.split(".").length;
  if (parts !== 3) {
    console.log(`  ${side} ${grant}: OPAQUE access token (${token.length} chars) — not comparable`);
    return;
  }
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  const extra = [
    response.id_token ? "+ ID token" : "",
    response.refresh_token ? `+ refresh token (${String(response.refresh_token).length} chars)` : "",
  ]
    .filter(Boolean)
    .join(" ");
  console.log(
    `  ${side.padEnd(13)} ${grant.padEnd(18)} ${header.alg} typ=${header.typ ?? "-"} ${token.length} chars, scope "${String(claims.scope)}", aud ${JSON.stringify(claims.aud)}, claims ${Object.keys(claims).sort().join(",")} ${extra}`,
  );
}

/** Enough single-use tokens for the run: refresh signs two JWTs, so it is slower than client credentials. */
function tokensWanted(clientCredentials: LoadResult): number {
  return Math.ceil(clientCredentials.rps * seconds * 1.2) + 1000;
}

function warnIfShort(side: string, grant: string, result: LoadResult): void {
  if (result.non2xx > 0)
    console.log(`  WARNING: ${side} ${grant}: ${result.non2xx} non-2xx answers (figures not comparable)`);
}

async function measureTessera(): Promise<Side> {
  const { tessera, url } = await startBenchServer({ TESSERA_KEY_ALGORITHM: "RS256" });
  try {
    const { services } = tessera;
    const service = await services.clients.register({
      clientName: "bench-peer",
      authMethod: "client_secret_basic",
      grantTypes: ["client_credentials", "refresh_token"],
      scopes: ["openid", "offline_access", "storage.read:/cms", "compute.read"],
    });
    const basic = `Basic ${Buffer.from(`${service.client.clientId}:${service.clientSecret}`).toString("base64")}`;
    describe("Tessera", "client_credentials", await tokenRequest(url, basic, CC_BODY));
    const load = { url: `${url}/token`, method: "POST", body: CC_BODY, connections };
    const headers = { authorization: basic, "content-type": "application/x-www-form-urlencoded" };
    await runLoad({ ...load, headers, seconds: warmupSeconds });
    const clientCredentials = await runLoad({ ...load, headers, seconds });
    warnIfShort("Tessera", "client_credentials", clientCredentials);

    // Refresh tokens stored as the token issuer stores them (hash, a family each), without
    // signing the access and ID tokens that would have come with them.
    const account = await services.accounts.create({
      username: `bench-peer-${Date.now()}`,
      name: "Bench",
      email: "b@example.org",
    });
    const now = Date.now();
    const tokens: string[] = [];
    const wanted = tokensWanted(clientCredentials) + 1;
    for (let i = 0; i < wanted; i++) {
      const secret = randomSecret();
      await services.repos.refreshTokens.create({
        tokenHash: hashSecret(secret),
        familyId: randomUUID(),
        clientId: service.client.clientId,
        accountId: account.id,
        scope: REFRESH_SCOPE,
        audiences: [],
        authTime: now,
        createdAt: now,
        expiresAt: now + lifetimes.refreshTokenLifetime * 1000,
        usedAt: null,
        revokedAt: null,
      });
      tokens.push(secret);
    }
    describe("Tessera", "refresh_token", await tokenRequest(url, basic, `${REFRESH_PREFIX}${tokens.pop()}`));
    const file = join(tmpdir(), "tessera-bench-peer-refresh-tessera.txt");
    writeFileSync(file, tokens.join("\n"));
    const refresh = await runSingleUseLoad({
      url: `${url}/token`,
      authorization: basic,
      file,
      prefix: REFRESH_PREFIX,
      seconds,
      connections,
    });
    warnIfShort("Tessera", "refresh_token", refresh);
    return { clientCredentials, refresh };
  } finally {
    await tessera.close();
  }
}

/** The parts of oidc-provider's models used here (it ships no types). */
interface PeerModels {
  Client: { find(id: string): Promise<unknown> };
  Grant: new (properties: {
    accountId: string;
    clientId: string;
  }) => {
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  };
  RefreshToken: new (properties: Record<string, unknown>) => { save(): Promise<string> };
}

async function measureOidcProvider(): Promise<Side> {
  // The default adapter keeps at most 1000 entries (an LRU); more refresh tokens than that are
  // minted up front, so its storage becomes a Map (same adapter code, no eviction).
  const memoryAdapter = "oidc-provider/lib/adapters/memory_adapter.js";
  const { setStorage } = (await import(memoryAdapter)) as { setStorage(store: unknown): void };
  setStorage(new Map());

  const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: "bench-rs256", alg: "RS256", use: "sig" };
  const clientId = "bench-peer";
  const clientSecret = randomSecret();
  const resourceServer = {
    scope: "storage.read:/cms storage.read:/cms/data",
    audience: AUDIENCE,
    accessTokenTTL: lifetimes.accessTokenLifetime,
    accessTokenFormat: "jwt",
    jwt: { sign: { alg: "RS256" } },
  };

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(url, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: ["client_credentials", "refresh_token", "authorization_code"],
        response_types: ["code"],
        redirect_uris: ["https://app.example.org/callback"],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomSecret()] },
    scopes: ["openid", "offline_access"],
    findAccount: async (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: async () => ({ sub, name: "Bench", email: "b@example.org" }),
    }),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: lifetimes.accessTokenLifetime,
      ClientCredentials: lifetimes.accessTokenLifetime,
      IdToken: lifetimes.idTokenLifetime,
      RefreshToken: lifetimes.refreshTokenLifetime,
      Grant: lifetimes.refreshTokenLifetime,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => resourceServer,
      },
    },
  });
  server.on("request", provider.callback());
  try {
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64")}`;
    describe("oidc-provider", "client_credentials", await tokenRequest(url, basic, CC_BODY));
    const load = { url: `${url}/token`, method: "POST", body: CC_BODY, connections };
    const headers = { authorization: basic, "content-type": "application/x-www-form-urlencoded" };
    await runLoad({ ...load, headers, seconds: warmupSeconds });
    const clientCredentials = await runLoad({ ...load, headers, seconds });
    warnIfShort("oidc-provider", "client_credentials", clientCredentials);

    // One grant (the family) per refresh token, as the authorization code exchange would leave.
    const models = provider as unknown as PeerModels;
    const client = await models.Client.find(clientId);
    const now = Math.floor(Date.now() / 1000);
    const tokens: string[] = [];
    const wanted = tokensWanted(clientCredentials) + 1;
    for (let i = 0; i < wanted; i++) {
      const accountId = "bench";
      const grant = new models.Grant({ accountId, clientId });
      grant.addOIDCScope("openid offline_access");
      grant.addResourceScope(AUDIENCE, "storage.read:/cms");
      const grantId = await grant.save();
      tokens.push(
        await new models.RefreshToken({
          accountId,
          client,
          grantId,
          gty: "authorization_code",
          scope: REFRESH_SCOPE.join(" "),
          resource: AUDIENCE,
          authTime: now,
          expiresWithSession: false,
        }).save(),
      );
    }
    describe(
      "oidc-provider",
      "refresh_token",
      await tokenRequest(url, basic, `${REFRESH_PREFIX}${tokens.pop()}`),
    );
    const file = join(tmpdir(), "tessera-bench-peer-refresh-oidc-provider.txt");
    writeFileSync(file, tokens.join("\n"));
    const refresh = await runSingleUseLoad({
      url: `${url}/token`,
      authorization: basic,
      file,
      prefix: REFRESH_PREFIX,
      seconds,
      connections,
    });
    warnIfShort("oidc-provider", "refresh_token", refresh);
    return { clientCredentials, refresh };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

console.log("Tokens issued (one checked request per workload before each load):");
const tessera = await measureTessera();
const peer = await measureOidcProvider();

function cells(result: LoadResult): string {
  return `${result.rps.toFixed(0).padStart(7)} ${`${result.p50}/${result.p99}`.padStart(9)} ${result.perCpuSecond.toFixed(0).padStart(7)}`;
}
function ratio(a: number, b: number): string {
  return b > 0 ? (a / b).toFixed(2).padStart(6) : "-".padStart(6);
}

console.log("");
console.log(
  `${"".padEnd(30)} ${"Tessera (SQLite)".padEnd(25)} ${"oidc-provider (memory)".padEnd(25)} Tessera/oidc-provider`,
);
console.log(
  `${"workload".padEnd(30)} ${"req/s".padStart(7)} ${"p50/p99ms".padStart(9)} ${"/CPU-s".padStart(7)} ${"req/s".padStart(7)} ${"p50/p99ms".padStart(9)} ${"/CPU-s".padStart(7)}  ${"req/s".padStart(6)} ${"/CPU-s".padStart(6)}`,
);
const rows: [string, LoadResult, LoadResult][] = [
  ["client_credentials (JWT AT)", tessera.clientCredentials, peer.clientCredentials],
  ["refresh_token rotating (AT+ID)", tessera.refresh, peer.refresh],
];
for (const [name, ours, theirs] of rows) {
  console.log(
    `${name.padEnd(30)} ${cells(ours)} ${cells(theirs)}  ${ratio(ours.rps, theirs.rps)} ${ratio(ours.perCpuSecond, theirs.perCpuSecond)}`,
  );
}
console.log(
  "Requests per CPU-second: requests answered per CPU-second of this process while the load ran (the server alone; the load generator is another process).",
);
