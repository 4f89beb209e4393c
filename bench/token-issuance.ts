// Token endpoint throughput on SQLite, one server process, for RS256 and ES256:
// the signing ceiling (sign-only loop, same process), client credentials, and refresh with
// rotation (a fresh refresh token per request), plus the JWKS/discovery reads.
// Usage: npm run bench:tokens [-- seconds]
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  machine,
  mintRefreshTokens,
  report,
  runLoad,
  runSingleUseLoad,
  startBenchServer,
} from "./run-load.js";

const seconds = Number(process.argv[2] ?? 10);
console.log(
  `Tessera token benchmarks — ${machine()}, ${seconds} s per run, load from separate autocannon processes`,
);

for (const algorithm of ["RS256", "ES256"] as const) {
  const { tessera, url } = await startBenchServer({ TESSERA_KEY_ALGORITHM: algorithm });
  const { services } = tessera;

  // The ceiling: how fast this process signs WLCG access tokens with nothing else to do.
  const claims = {
    "wlcg.ver": "1.0",
    sub: "bench",
    iss: url,
    aud: "https://wlcg.cern.ch/jwt/v1/any",
    scope: "storage.read:/cms",
  };
  const started = performance.now();
  let signed = 0;
  while (performance.now() - started < 3000) {
    await services.keys.sign({ ...claims, jti: String(signed) }, "at+jwt");
    signed++;
  }
  const ceiling = signed / ((performance.now() - started) / 1000);
  console.log(
    `${algorithm} signing ceiling (in-process)          ${ceiling.toFixed(0).padStart(7)} signatures/s`,
  );

  const service = await services.clients.register({
    clientName: "bench-service",
    authMethod: "client_secret_basic",
    grantTypes: ["client_credentials", "password", "refresh_token"],
    scopes: ["openid", "offline_access", "storage.read:/cms", "compute.read"],
  });
  const basic = `Basic ${Buffer.from(`${service.client.clientId}:${service.clientSecret}`).toString("base64")}`;
  const cc = await runLoad({
    url: `${url}/token`,
    method: "POST",
    headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials&scope=storage.read%3A%2Fcms%2Fdata",
    seconds,
    connections: 16,
  });
  report(`${algorithm} client_credentials /token`, cc);
  console.log(`${"".padEnd(34)} = ${((100 * cc.rps) / ceiling).toFixed(0)}% of the signing ceiling`);

  // Refresh: mint enough refresh tokens up front (one per request), then spend them.
  const account = await services.accounts.create({
    username: `bench-${algorithm.toLowerCase()}`,
    name: "Bench",
    email: "b@example.org",
  });
  // Two refresh workloads: keeping the grant's scope (with `openid`: an access token and an ID
  // token, two signatures) and narrowing it as `tessera token -s` / `oidc-token -s` do (the
  // access token alone).
  for (const [name, prefix] of [
    ["refresh_token (rotating, AT + ID)", "grant_type=refresh_token&refresh_token="],
    [
      "refresh_token, narrowed (AT only)",
      "grant_type=refresh_token&scope=storage.read%3A%2Fcms&refresh_token=",
    ],
  ] as const) {
    const file = join(tmpdir(), `tessera-bench-refresh-${algorithm}.txt`);
    await mintRefreshTokens(
      services.tokenIssuer,
      {
        client: service.client,
        account,
        scope: ["openid", "offline_access", "storage.read:/cms"],
        audiences: [],
      },
      Math.ceil(ceiling * seconds * 0.8) + 1000,
      file,
    );
    report(
      `${algorithm} ${name}`,
      await runSingleUseLoad({
        url: `${url}/token`,
        authorization: basic,
        file,
        prefix,
        seconds,
        connections: 16,
      }),
    );
  }
  if (algorithm === "RS256") {
    report("GET /jwk", await runLoad({ url: `${url}/jwk`, seconds: Math.min(seconds, 5), connections: 16 }));
  }
  await tessera.close();
}
