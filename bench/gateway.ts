// The gateway's speed: GET /auth (nginx auth_request) with a Tessera user token and with a
// Tessera JWT access token, next to a trivial Fastify route in the same process as the ceiling.
// Load from separate autocannon processes; one server process on SQLite.
// Usage: npm run bench:gateway [-- seconds]
import Fastify from "fastify";
import { machine, report, runLoad, startBenchServer } from "./run-load.js";

const seconds = Number(process.argv[2] ?? 10);
const connections = 16;
console.log(
  `Tessera gateway benchmark — ${machine()}, ${seconds} s per run, ${connections} connections, load from separate autocannon processes`,
);

// The ceiling: a Fastify route that does nothing, on the same machine and Node.
const trivial = Fastify({ logger: false });
trivial.get("/ping", async () => "ok");
await trivial.listen({ host: "127.0.0.1", port: 0 });
const trivialAddress = trivial.server.address();
const trivialUrl = `http://127.0.0.1:${typeof trivialAddress === "object" && trivialAddress ? trivialAddress.port : 0}`;

const { tessera, url } = await startBenchServer();
const { services } = tessera;
const account = await services.accounts.create({
  username: "bench-gateway",
  name: "Bench",
  email: "bench@example.org",
});
const user = await services.gateway.tokens.create(null, account, {
  name: "bench",
  scopes: ["storage.read:/cms", "compute.read"],
  expiresAt: null,
});
const client = await services.clients.register({
  clientName: "bench-gateway",
  authMethod: "client_secret_basic",
  grantTypes: ["password"],
  scopes: ["openid", "storage.read:/cms", "compute.read"],
});
const jwt = (
  await services.tokenIssuer.issue({
    client: client.client,
    account,
    scope: ["storage.read:/cms", "compute.read"],
    audiences: [],
  })
).access_token;

const query = "/auth?scope=storage.read:/cms/data&scope=compute.read";
for (const [name, authorization] of [
  ["user token", `Bearer ${user.token}`],
  ["Tessera JWT", `Bearer ${jwt}`],
] as const) {
  const probe = await fetch(`${url}${query}`, { headers: { authorization } });
  if (probe.status !== 200) throw new Error(`${name}: /auth answered ${probe.status}`);
}

const ceiling = await runLoad({ url: `${trivialUrl}/ping`, seconds, connections });
report("trivial Fastify route (ceiling)", ceiling);
// Tessera's own plumbing (helmet headers, request ids, metrics, cookies) on a route doing nothing.
const healthz = await runLoad({ url: `${url}/healthz`, seconds, connections });
report("GET /healthz (Tessera app, no work)", healthz);
console.log(`${"".padEnd(34)} = ${((100 * healthz.rps) / ceiling.rps).toFixed(0)}% of the ceiling`);
for (const [name, authorization] of [
  ["GET /auth, user token", `Bearer ${user.token}`],
  ["GET /auth, Tessera JWT", `Bearer ${jwt}`],
] as const) {
  const result = await runLoad({ url: `${url}${query}`, headers: { authorization }, seconds, connections });
  report(name, result);
  console.log(`${"".padEnd(34)} = ${((100 * result.rps) / ceiling.rps).toFixed(0)}% of the ceiling`);
}

await tessera.close();
await trivial.close();
