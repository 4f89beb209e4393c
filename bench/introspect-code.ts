// /introspect and the authorization-code exchange on one server process, RS256 and ES256.
// SQLite by default; TESSERA_BENCH_DATABASE_URL=postgres://… runs on PostgreSQL (a fresh
// database per key algorithm is created on that server and dropped afterwards). Codes are minted
// up front (one per request) through the same function /authorize uses, then spent by a separate
// autocannon process.
// Usage: npx tsx --conditions=source bench/introspect-code.ts [seconds]
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  machine,
  mintAuthorizationCodes,
  report,
  runLoad,
  runSingleUseLoad,
  SINGLE_USE_PER_SECOND,
  startBenchServer,
} from "./run-load.js";
import { createBenchDatabase, databaseEnvironment } from "./server-processes.js";

const seconds = Number(process.argv[2] ?? 5);
const postgresUrl = process.env.TESSERA_BENCH_DATABASE_URL;
console.log(
  `Tessera /introspect and code exchange — ${machine()}, ${seconds} s per run, ${postgresUrl ? "PostgreSQL" : "SQLite"}`,
);

for (const algorithm of ["RS256", "ES256"] as const) {
  // Each algorithm on an empty database: the keys of the other run are sealed with another key.
  const database = await createBenchDatabase(postgresUrl);
  const { tessera, url } = await startBenchServer({
    TESSERA_KEY_ALGORITHM: algorithm,
    TESSERA_AUTHORIZATION_CODE_LIFETIME: "600",
    ...databaseEnvironment(database),
  });
  const { services } = tessera;
  const redirectUri = "https://app.example.org/callback";
  const registered = await services.clients.register({
    clientName: `bench-web-${algorithm}`,
    authMethod: "client_secret_basic",
    grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
    redirectUris: [redirectUri],
    scopes: ["openid", "offline_access", "storage.read:/cms"],
  });
  const basic = `Basic ${Buffer.from(`${registered.client.clientId}:${registered.clientSecret}`).toString("base64")}`;
  const account = await services.accounts.create({
    username: `bench-code-${algorithm.toLowerCase()}-${Date.now()}`,
    name: "Bench",
    email: "b@example.org",
  });

  // /introspect of one access token (the cached verification path after the first request).
  const issued = await services.tokenIssuer.issue({
    client: registered.client,
    account,
    scope: ["openid", "storage.read:/cms"],
    audiences: [],
  });
  report(
    `${algorithm} /introspect (access token)`,
    await runLoad({
      url: `${url}/introspect`,
      method: "POST",
      headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
      body: `token=${issued.access_token}`,
      seconds,
      connections: 16,
    }),
  );

  const file = join(tmpdir(), `tessera-bench-codes-${algorithm}.txt`);
  await mintAuthorizationCodes(
    services,
    { client: registered.client, accountId: account.id, redirectUri, scope: ["openid", "storage.read:/cms"] },
    seconds * SINGLE_USE_PER_SECOND,
    file,
  );
  report(
    `${algorithm} authorization_code /token`,
    await runSingleUseLoad({
      url: `${url}/token`,
      authorization: basic,
      file,
      prefix: `grant_type=authorization_code&redirect_uri=${encodeURIComponent(redirectUri)}&code=`,
      seconds,
      connections: 16,
    }),
  );
  await tessera.close();
  await database.drop();
}
