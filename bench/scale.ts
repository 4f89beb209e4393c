// Does the cost stay flat as the data grows? One Tessera server process (a child process, so its
// own CPU time and resident memory are read from /proc), measured with 10 thousand users and
// 100 thousand token rows, then again after growing the database to 1 million users and 10
// million token rows (9 M refresh tokens, 1 M user tokens). Load from separate autocannon
// processes. SQLite by default; TESSERA_BENCH_DATABASE_URL=postgres://… runs on a fresh
// PostgreSQL database created on that server (and dropped afterwards).
// Usage: npm run bench:scale [-- seconds]
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import pg from "pg";
import { freePort } from "../packages/server/test/support/test-server.js";
import {
  type LoadResult,
  machine,
  mintRefreshTokens,
  report,
  runLoad,
  runSingleUseLoad,
  SINGLE_USE_PER_SECOND,
} from "./run-load.js";
import {
  benchFixtures,
  createBenchDatabase,
  nodeEnvironment,
  onNodes,
  serverEntry,
  startNode,
} from "./server-processes.js";

const seconds = Number(process.argv[2] ?? 8);
const postgresUrl = process.env.TESSERA_BENCH_DATABASE_URL;
// TESSERA_BENCH_SCALE=0.01 shrinks every size (a quick check that the script works).
const scale = Number(process.env.TESSERA_BENCH_SCALE ?? 1);
const STEPS = [
  { users: 10_000, refreshTokens: 90_000, userTokens: 10_000 },
  { users: 1_000_000, refreshTokens: 9_000_000, userTokens: 1_000_000 },
].map((step) => ({
  users: Math.round(step.users * scale),
  refreshTokens: Math.round(step.refreshTokens * scale),
  userTokens: Math.round(step.userTokens * scale),
}));
console.log(
  `Tessera at scale — ${machine()}, ${postgresUrl ? "PostgreSQL" : "SQLite"}, ${seconds} s per run, 16 connections`,
);

const database = await createBenchDatabase(postgresUrl);
const { dataDir, databaseUrl } = database;
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const env = nodeEnvironment(database, url);
console.log(`server: ${serverEntry}`);
const node = await startNode(env, port, { oneCore: true });
const fixtures = await benchFixtures(database, env);
const { services, basic, account } = fixtures;
const onServer = (run: () => Promise<LoadResult>) => onNodes([node], run);

// Rows already there: the generated ones are numbered from 0 (accounts `seed-<n>`); the
// administrator, the bench user and its token count towards the step's totals.
const REAL_ACCOUNTS = 2;
let seeded = { users: 0, refreshTokens: 0, userTokens: 0 };
const clientCredentials = (runSeconds: number) =>
  runLoad({
    url: `${url}/token`,
    method: "POST",
    headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials&scope=storage.read%3A%2Fcms",
    seconds: runSeconds,
    connections: 16,
  });
// Unmeasured: a fresh process compiles its hot code first, which would count against the
// first step only and make the small database look slower than the large one.
await clientCredentials(3);
for (const step of STEPS) {
  const started = Date.now();
  await seed(step);
  const m = node.memory();
  console.log(
    `\n== ${step.users.toLocaleString("en")} users, ${(step.refreshTokens + step.userTokens).toLocaleString("en")} token rows (seeded in ${((Date.now() - started) / 1000).toFixed(0)} s); server RSS ${m.rss.toFixed(0)} MB`,
  );
  report("client_credentials /token", await onServer(() => clientCredentials(seconds)));
  const refreshFile = join(dataDir, "refresh.txt");
  await mintRefreshTokens(
    services.tokenIssuer,
    { client: fixtures.client, account, scope: ["offline_access", "storage.read:/cms"], audiences: [] },
    seconds * SINGLE_USE_PER_SECOND,
    refreshFile,
  );
  report(
    "refresh_token (rotating, AT only)",
    await onServer(() =>
      runSingleUseLoad({
        url: `${url}/token`,
        authorization: basic,
        file: refreshFile,
        prefix: "grant_type=refresh_token&refresh_token=",
        seconds,
        connections: 16,
      }),
    ),
  );
  const access = (
    await services.tokenIssuer.issue({
      client: fixtures.client,
      account,
      scope: ["storage.read:/cms"],
      audiences: [],
    })
  ).access_token;
  report(
    "/introspect",
    await onServer(() =>
      runLoad({
        url: `${url}/introspect`,
        method: "POST",
        headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
        body: `token=${access}`,
        seconds,
        connections: 16,
      }),
    ),
  );
  report(
    "/auth (gateway.port), user token",
    await onServer(() =>
      runLoad({
        url: `${node.gatewayUrl}/auth?scope=storage.read:/cms`,
        headers: { authorization: `Bearer ${fixtures.userToken}` },
        seconds,
        connections: 16,
      }),
    ),
  );
  const after = node.memory();
  console.log(
    `server memory after the runs: RSS ${after.rss.toFixed(0)} MB, peak ${after.peak.toFixed(0)} MB`,
  );
}

await fixtures.close();
await node.process.kill();
await database.drop();

/**
 * Grows the tables to the step's sizes with set-based SQL in the database itself (generated
 * rows, not the application's code paths: seeding 10 million rows through HTTP would take hours).
 * The rows are realistic in shape: unique usernames and emails, random 43-character token
 * hashes, families, expiries in the future.
 */
async function seed(step: (typeof STEPS)[number]): Promise<void> {
  const from = { ...seeded };
  const users = step.users - REAL_ACCOUNTS;
  const now = Date.now();
  const later = now + 30 * 86_400_000;
  if (databaseUrl) {
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(
      `insert into accounts (id, username, name, email, status, password_hash, is_admin, ends_at, created_at, updated_at)
       select 'seed-' || i, 'user' || i, 'User ' || i, 'user' || i || '@example.org', 'active', null, 0, null, $1, $1
       from generate_series($2::bigint, $3::bigint) as i`,
      [now, from.users, users - 1],
    );
    for (let start = from.refreshTokens; start < step.refreshTokens; start += 1_000_000) {
      const end = Math.min(step.refreshTokens, start + 1_000_000) - 1;
      await db.query(
        `insert into refresh_tokens (token_hash, family_id, client_id, account_id, scope, audiences, auth_time, created_at, expires_at, used_at, revoked_at)
         select translate(encode(sha256(('r' || i)::bytea), 'base64'), '+/=', '-_'), 'fam-' || (i / 3), $1,
                'seed-' || (i % $2::bigint), 'offline_access storage.read:/cms', '[]', $3, $3, $4, null, null
         from generate_series($5::bigint, $6::bigint) as i`,
        [fixtures.client.clientId, users, now, later, start, end],
      );
    }
    await db.query(
      `insert into user_tokens (token_key, secret_hash, account_id, kind, name, scopes, service, parent_key, parent_session, delegation_key, created_by, created_at, last_used_at, expires_at)
       select 'seed' || i, translate(encode(sha256(('u' || i)::bytea), 'base64'), '+/=', '-_'), 'seed-' || (i % $1::bigint),
              'user', 'token ' || i, 'storage.read:/cms', null, null, null, null, null, $2, null, $3
       from generate_series($4::bigint, $5::bigint) as i`,
      [users, now, later, from.userTokens, step.userTokens - 2],
    );
    await db.query("analyze");
    await db.query("checkpoint");
    await db.end();
  } else {
    const db = new SqliteDatabase(join(dataDir, "tessera.sqlite"));
    db.pragma("busy_timeout = 60000");
    db.pragma("cache_size = -1000000");
    const batch = (sql: string, first: number, last: number, size: number) => {
      const statement = db.prepare(sql);
      for (let start = first; start <= last; start += size) {
        db.transaction(() => statement.run(start, Math.min(last, start + size - 1)))();
      }
    };
    batch(
      `with recursive n(i) as (select ? union all select i + 1 from n where i < ?)
       insert into accounts (id, username, name, email, status, password_hash, is_admin, ends_at, created_at, updated_at)
       select 'seed-' || i, 'user' || i, 'User ' || i, 'user' || i || '@example.org', 'active', null, 0, null, ${now}, ${now} from n`,
      from.users,
      users - 1,
      250_000,
    );
    batch(
      `with recursive n(i) as (select ? union all select i + 1 from n where i < ?)
       insert into refresh_tokens (token_hash, family_id, client_id, account_id, scope, audiences, auth_time, created_at, expires_at, used_at, revoked_at)
       select lower(hex(randomblob(16))) || lower(hex(randomblob(6))) || i, 'fam-' || (i / 3), '${fixtures.client.clientId}',
              'seed-' || (i % ${users}), 'offline_access storage.read:/cms', '[]', ${now}, ${now}, ${later}, null, null from n`,
      from.refreshTokens,
      step.refreshTokens - 1,
      500_000,
    );
    batch(
      `with recursive n(i) as (select ? union all select i + 1 from n where i < ?)
       insert into user_tokens (token_key, secret_hash, account_id, kind, name, scopes, service, parent_key, parent_session, delegation_key, created_by, created_at, last_used_at, expires_at)
       select 'seed' || i, lower(hex(randomblob(16))), 'seed-' || (i % ${users}), 'user', 'token ' || i,
              'storage.read:/cms', null, null, null, null, null, ${now}, null, ${later} from n`,
      from.userTokens,
      step.userTokens - 2,
      500_000,
    );
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.close();
  }
  // Gigabytes just written are still dirty in the page cache; the kernel's writeback would run
  // during the first measured run, on the server's core too, and count against it.
  execFileSync("sync");
  seeded = { users, refreshTokens: step.refreshTokens, userTokens: step.userTokens - 1 };
}
