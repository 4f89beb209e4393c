// Password login: first the floor, one argon2id verification with the parameters accounts are
// hashed with; then the whole password grant at /token (client authentication, the account,
// the hash check, the AUP and policies, an access token signed), on one server process.
// SQLite by default; TESSERA_BENCH_DATABASE_URL=postgres://… runs on a fresh PostgreSQL
// database created on that server (and dropped afterwards).
// Usage: npm run bench:password [-- seconds]
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  ARGON2_PARAMETERS,
  hashPassword,
  verifyPassword,
} from "../packages/server/src/domain/accounts/passwords.js";
import {
  createLoginAccounts,
  machine,
  report,
  runSingleUseLoad,
  SINGLE_USE_PER_SECOND,
  startBenchServer,
} from "./run-load.js";
import { createBenchDatabase, databaseEnvironment, BENCH_PASSWORD as password } from "./server-processes.js";

const seconds = Number(process.argv[2] ?? 8);
const postgresUrl = process.env.TESSERA_BENCH_DATABASE_URL;
console.log(
  `Tessera password login — ${machine()}, ${seconds} s per run, ${postgresUrl ? "PostgreSQL" : "SQLite"}`,
);

const database = await createBenchDatabase(postgresUrl);
const { tessera, url } = await startBenchServer(databaseEnvironment(database));

// The floor, measured after the server has pinned this process (TESSERA_BENCH_ONE_CORE).
const hash = await hashPassword(password);
const rounds = 40;
const started = performance.now();
for (let i = 0; i < rounds; i++) await verifyPassword(hash, password);
const each = (performance.now() - started) / rounds;
console.log(
  `argon2id m=${ARGON2_PARAMETERS.memoryCost} KiB t=${ARGON2_PARAMETERS.timeCost} p=${ARGON2_PARAMETERS.parallelism}: ${each.toFixed(1)} ms per verification (${(1000 / each).toFixed(0)}/s, one at a time)`,
);

const { services } = tessera;
const registered = await services.clients.register({
  clientName: "bench-password",
  authMethod: "client_secret_basic",
  grantTypes: ["password"],
  scopes: ["storage.read:/cms"],
});
const usernames = join(database.dataDir, "usernames.txt");
await createLoginAccounts(services, {
  prefix: "bench-login-",
  accounts: 64,
  password,
  lines: seconds * SINGLE_USE_PER_SECOND,
  file: usernames,
});
const basic = `Basic ${Buffer.from(`${registered.client.clientId}:${registered.clientSecret}`).toString("base64")}`;
report(
  "password grant /token",
  await runSingleUseLoad({
    url: `${url}/token`,
    authorization: basic,
    file: usernames,
    prefix: `grant_type=password&scope=storage.read%3A%2Fcms&password=${encodeURIComponent(password)}&username=`,
    seconds,
    // Enough to keep libuv's four hashing threads busy when the process has the cores.
    connections: 8,
  }),
);
await tessera.close();
await database.drop();
