// One node against three: the same workloads on 1 and then 3 Tessera server processes sharing
// one PostgreSQL database, as behind a load balancer. The load is split evenly: one autocannon
// process per node, all at once, and the figures are their sums. Each node's CPU time comes
// from /proc, so "per CPU-second" is the cluster's cost per request, whatever the machine's
// core count lets the nodes run in parallel.
// Usage: npm run bench:nodes [-- seconds]   (TESSERA_BENCH_DATABASE_URL, default the local
// PostgreSQL: a database of its own is created there and dropped afterwards)
import { cpus } from "node:os";
import { join } from "node:path";
import { freePort } from "../packages/server/test/support/test-server.js";
import {
  createLoginAccounts,
  type LoadResult,
  machine,
  mintAuthorizationCodes,
  mintRefreshTokens,
  report,
  runLoad,
  runSingleUseLoad,
  SINGLE_USE_PER_SECOND,
} from "./run-load.js";
import {
  BENCH_PASSWORD,
  BENCH_REDIRECT_URI,
  type BenchNode,
  benchFixtures,
  createBenchDatabase,
  nodeEnvironment,
  onNodes,
  serverEntry,
  startNode,
} from "./server-processes.js";

const seconds = Number(process.argv[2] ?? 8);
const postgresUrl = process.env.TESSERA_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const CONNECTIONS = 24;
console.log(
  `Tessera on 1 and 3 nodes — ${machine(false)}, PostgreSQL, ${seconds} s per run, ${CONNECTIONS} connections in all; server: ${serverEntry}`,
);
if (cpus().length < 4)
  console.log(
    `(only ${cpus().length} cores here: three nodes and the load generators share them, so req/s cannot grow with nodes on this machine; per CPU-second shows what each request costs a cluster)`,
  );

/** The sum of simultaneous loads, one per node; latency percentiles are the worst node's. */
async function acrossNodes(nodes: BenchNode[], load: (node: BenchNode) => Promise<LoadResult>) {
  return onNodes(nodes, async () => {
    const results = await Promise.all(nodes.map(load));
    return {
      requests: results.reduce((sum, r) => sum + r.requests, 0),
      rps: results.reduce((sum, r) => sum + r.rps, 0),
      p50: Math.max(...results.map((r) => r.p50)),
      p99: Math.max(...results.map((r) => r.p99)),
      non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
      perCpuSecond: 0,
    };
  });
}

for (const count of [1, 3]) {
  const database = await createBenchDatabase(postgresUrl);
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const env = nodeEnvironment(database, `http://127.0.0.1:${ports[0]}`);
  // One at a time: the first start creates the schema and the signing key.
  const nodes: BenchNode[] = [];
  for (const port of ports) nodes.push(await startNode(env, port));
  const fixtures = await benchFixtures(database, env);
  const connections = Math.max(1, Math.round(CONNECTIONS / count));
  console.log(`\n== ${count} node${count > 1 ? "s" : ""}`);

  const clientCredentials = (node: BenchNode, runSeconds: number) =>
    runLoad({
      url: `${node.url}/token`,
      method: "POST",
      headers: { authorization: fixtures.basic, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&scope=storage.read%3A%2Fcms",
      seconds: runSeconds,
      connections,
    });
  // Unmeasured: every fresh process compiles its hot code first, and three processes would pay
  // that three times inside the measured seconds.
  await Promise.all(nodes.map((node) => clientCredentials(node, 3)));
  report("client_credentials /token", await acrossNodes(nodes, (node) => clientCredentials(node, seconds)));

  // Each node spends its own share of the single-use values: refresh tokens, codes, usernames.
  const perNode = Math.ceil((seconds * SINGLE_USE_PER_SECOND) / count);
  const singleUse = async (
    name: string,
    prefix: string,
    mint: (count: number, file: string) => Promise<void>,
    perNodeConnections = connections,
  ) => {
    const files: string[] = [];
    for (let n = 0; n < count; n++) {
      const file = join(database.dataDir, `${name.split(" ")[0]}-${n}.txt`);
      await mint(perNode, file);
      files.push(file);
    }
    report(
      name,
      await acrossNodes(nodes, (node) =>
        runSingleUseLoad({
          url: `${node.url}/token`,
          authorization: fixtures.basic,
          file: files[nodes.indexOf(node)] as string,
          prefix,
          seconds,
          connections: perNodeConnections,
        }),
      ),
    );
  };
  const { services, client, account } = fixtures;
  await singleUse("refresh_token (rotating, AT only)", "grant_type=refresh_token&refresh_token=", (n, file) =>
    mintRefreshTokens(
      services.tokenIssuer,
      { client, account, scope: ["offline_access", "storage.read:/cms"], audiences: [] },
      n,
      file,
    ),
  );
  await singleUse(
    "authorization_code (AT + ID)",
    `grant_type=authorization_code&redirect_uri=${encodeURIComponent(BENCH_REDIRECT_URI)}&code=`,
    (n, file) =>
      mintAuthorizationCodes(
        services,
        {
          client,
          accountId: account.id,
          redirectUri: BENCH_REDIRECT_URI,
          scope: ["openid", "storage.read:/cms"],
        },
        n,
        file,
      ),
  );
  // Eight connections in all, at least two per node: argon2id takes milliseconds a login, and
  // more connections would only queue behind each node's four hashing threads.
  let loginAccounts = 0;
  await singleUse(
    "password grant (argon2id, AT only)",
    `grant_type=password&scope=storage.read%3A%2Fcms&password=${encodeURIComponent(BENCH_PASSWORD)}&username=`,
    (n, file) =>
      createLoginAccounts(services, {
        prefix: `bench-login-${loginAccounts++}-`,
        accounts: 32,
        password: BENCH_PASSWORD,
        lines: n,
        file,
      }),
    Math.max(2, Math.round(8 / count)),
  );
  const access = (
    await services.tokenIssuer.issue({ client, account, scope: ["storage.read:/cms"], audiences: [] })
  ).access_token;
  report(
    "/introspect",
    await acrossNodes(nodes, (node) =>
      runLoad({
        url: `${node.url}/introspect`,
        method: "POST",
        headers: { authorization: fixtures.basic, "content-type": "application/x-www-form-urlencoded" },
        body: `token=${access}`,
        seconds,
        connections,
      }),
    ),
  );
  report(
    "/auth (gateway.port), user token",
    await acrossNodes(nodes, (node) =>
      runLoad({
        url: `${node.gatewayUrl}/auth?scope=storage.read:/cms`,
        headers: { authorization: `Bearer ${fixtures.userToken}` },
        seconds,
        connections,
      }),
    ),
  );

  await fixtures.close();
  await Promise.all(nodes.map((node) => node.process.kill()));
  await database.drop();
}
