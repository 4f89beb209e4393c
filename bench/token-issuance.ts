// Token endpoint throughput on SQLite, one server process, RS256 (or TESSERA_KEY_ALGORITHM):
// client credentials issuance, refresh (with rotation), and the JWKS/discovery reads.
// Usage: npm run bench:tokens [-- seconds]
import { machine, report, runLoad, startBenchServer } from "./run-load.js";

const seconds = Number(process.argv[2] ?? 10);
const algorithm = process.env.TESSERA_KEY_ALGORITHM ?? "RS256";
const { tessera, url } = await startBenchServer({ TESSERA_KEY_ALGORITHM: algorithm });
const services = tessera.services;

const service = await services.clients.register({
  clientName: "bench-service",
  authMethod: "client_secret_basic",
  grantTypes: ["client_credentials"],
  scopes: ["storage.read:/cms", "compute.read"],
});
const basic = `Basic ${Buffer.from(`${service.client.clientId}:${service.clientSecret}`).toString("base64")}`;

console.log(
  `Tessera token benchmarks — ${machine()}, ${algorithm}, ${seconds} s per run, load from a separate autocannon process`,
);
report(
  "client_credentials /token",
  await runLoad({
    url: `${url}/token`,
    method: "POST",
    headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials&scope=storage.read%3A%2Fcms%2Fdata",
    seconds,
    connections: 16,
  }),
);
report("GET /jwk", await runLoad({ url: `${url}/jwk`, seconds: Math.min(seconds, 5), connections: 16 }));
report(
  "GET /.well-known/openid-configuration",
  await runLoad({
    url: `${url}/.well-known/openid-configuration`,
    seconds: Math.min(seconds, 5),
    connections: 16,
  }),
);
await tessera.close();
