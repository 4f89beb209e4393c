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

// The gateway's own listener (gateway.port), as nginx should use it, and the full app's port.
const { tessera, url, gatewayUrl } = await startBenchServer({ TESSERA_GATEWAY_PORT: "0" });
if (!gatewayUrl) throw new Error("the gateway listener did not start");
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
  const probe = await fetch(`${gatewayUrl}${query}`, { headers: { authorization } });
  if (probe.status !== 200) throw new Error(`${name}: /auth answered ${probe.status}`);
}

// Each target runs right after a fresh ceiling run, and the ratio is taken pair by pair: on a
// shared machine the ceiling itself moves, and a ratio against a ceiling measured minutes
// earlier would say more about the neighbours than about Tessera.
const targets = [
  // Tessera's own plumbing (request ids, hooks, metrics, helmet) on a route doing nothing.
  ["GET /healthz, main port (no work)", `${url}/healthz`, undefined],
  ["/auth on gateway.port, user token", `${gatewayUrl}${query}`, `Bearer ${user.token}`],
  ["/auth on gateway.port, Tessera JWT", `${gatewayUrl}${query}`, `Bearer ${jwt}`],
  ["/auth on the main port, user token", `${url}${query}`, `Bearer ${user.token}`],
] as const;
for (const [name, target, authorization] of targets) {
  const ceiling = await runLoad({ url: `${trivialUrl}/ping`, seconds, connections });
  report("  trivial Fastify route (ceiling)", ceiling);
  const result = await runLoad({
    url: target,
    ...(authorization ? { headers: { authorization } } : {}),
    seconds,
    connections,
  });
  report(name, result);
  console.log(
    `${"".padEnd(34)} = ${((100 * result.rps) / ceiling.rps).toFixed(0)}% of the ceiling just before`,
  );
  // The latency target is stated at half of the peak: a service is not run at its limit.
  // autocannon paces a fixed rate in bursts, which alone puts a trivial route's p99 at a few
  // milliseconds, so the trivial route runs at the same rate as the control.
  if (authorization) {
    const rate = result.rps / 2;
    report(
      "  the same at half that rate",
      await runLoad({ url: target, headers: { authorization }, seconds, connections, rate }),
    );
    report(
      "  trivial route at that rate",
      await runLoad({ url: `${trivialUrl}/ping`, seconds, connections, rate }),
    );
  }
}

await tessera.close();
await trivial.close();
