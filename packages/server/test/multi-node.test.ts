import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { createServices } from "../src/services.js";
import { createBrowser } from "./support/browser.js";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { restApi } from "./support/rest-api.js";
import { type ServerProcess, spawnServer } from "./support/server-process.js";
import { freePort } from "./support/test-server.js";
import { createTestDatabase, type TestDatabase, testDatabaseUrl } from "./support/test-store.js";

/**
 * Three real server processes on one PostgreSQL database, as behind a load balancer: any request
 * may land on any node. They share one issuer (node 1's URL), as nodes behind one front do; the
 * test plays the load balancer by sending each request straight to the node it picks. Cookies
 * and forms are not tied to the port (the CSRF token is signed with the key derived from the
 * shared key-encryption key, and the test browser sends no Origin), so a browser that started
 * on node 2 keeps its session there and on any node.
 */
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const PASSWORD = "a configured password";
const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
const KEY_RELOAD_SECONDS = 2;

let database: TestDatabase;
const nodes: ServerProcess[] = [];
const urls: string[] = [];
let device: { clientId: string };
let service: { clientId: string; secret: string };
let passwordClient: { clientId: string; secret: string };

/** RFC 7009 answers 200 with an empty body. */
const revoke = (url: string, form: Record<string, string>) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });

async function stopAll() {
  await Promise.all(nodes.map((n) => n.kill()));
}

beforeAll(async () => {
  if (!testDatabaseUrl) return;
  database = await createTestDatabase();
  const ports = [await freePort(), await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${ports[0]}`;
  const env = (port: number) => ({
    TESSERA_ISSUER: issuer,
    TESSERA_PORT: String(port),
    TESSERA_DATA_DIR: database.dataDir,
    TESSERA_DATABASE_URL: database.databaseUrl as string,
    TESSERA_KEY_ENCRYPTION_KEY: "C".repeat(43),
    TESSERA_ADMIN_PASSWORD: PASSWORD,
    TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP,
    TESSERA_LOGIN_ACCOUNT_FAILURE_LIMIT: "3",
    TESSERA_KEY_RELOAD_INTERVAL: `${KEY_RELOAD_SECONDS}s`,
    // The load test sends a few thousand token requests from one address.
    TESSERA_RATE_LIMIT_OAUTH_PER_IP: "0",
    TESSERA_RATE_LIMIT_OAUTH_PER_CLIENT: "0",
  });
  try {
    // All three start at once: the migrator's lock and the key ring's conditional rotation
    // must leave one schema and one signing key.
    for (const port of ports) {
      nodes.push(spawnServer(env(port)));
      urls.push(`http://127.0.0.1:${port}`);
    }
    await Promise.all(nodes.map((n) => n.waitFor(/Tessera is ready/, 30_000)));
  } catch (error) {
    await stopAll();
    throw error;
  }
  const store = database.open();
  const config = loadConfig({ TESSERA_DATA_DIR: database.dataDir }, undefined);
  const { clients } = createServices({
    config,
    store,
    clock: { now: Date.now },
    encryptionKey: new Uint8Array(32),
  });
  const d = await clients.register({
    clientName: "tessera-cli",
    authMethod: "none",
    applicationType: "native",
    grantTypes: [DEVICE_GRANT, "refresh_token"],
    scopes: ["openid", "profile", "offline_access", "storage.read:/cms"],
  });
  device = { clientId: d.client.clientId };
  const s = await clients.register({
    clientName: "service",
    authMethod: "client_secret_basic",
    grantTypes: ["client_credentials"],
    scopes: ["storage.read:/cms"],
  });
  service = { clientId: s.client.clientId, secret: s.clientSecret as string };
  const p = await clients.register({
    clientName: "password",
    authMethod: "client_secret_basic",
    grantTypes: ["password"],
    scopes: ["openid", "storage.read:/cms"],
  });
  passwordClient = { clientId: p.client.clientId, secret: p.clientSecret as string };
}, 60_000);

afterAll(async () => {
  await stopAll();
  await database?.cleanup();
});

describe.runIf(testDatabaseUrl)("three nodes on one PostgreSQL", () => {
  test("one signing key after a simultaneous first start; every node publishes it", async () => {
    const sets = await Promise.all(
      urls.map(async (u) => (await (await fetch(`${u}/jwk`)).json()) as { keys: { kid: string }[] }),
    );
    expect(sets[0]?.keys).toHaveLength(1);
    for (const set of sets) expect(set.keys.map((k) => k.kid)).toEqual(sets[0]?.keys.map((k) => k.kid));
  });

  let refreshToken = "";
  let accessToken = "";
  test("device flow: begun on node 1, approved in a browser on node 2, polled on node 3", async () => {
    const [n1, n2, n3] = urls as [string, string, string];
    const begun = await postForm(`${n1}/devicecode`, {
      client_id: device.clientId,
      scope: "openid offline_access storage.read:/cms",
    });
    expect(begun.status).toBe(200);
    const poll = () =>
      postForm(`${n3}/token`, {
        grant_type: DEVICE_GRANT,
        client_id: device.clientId,
        device_code: begun.body.device_code as string,
      });
    expect((await poll()).body.error).toBe("authorization_pending");

    const browser = createBrowser(n2);
    expect((await browser.login("admin", PASSWORD)).status).toBe(303);
    const page = `/device?user_code=${begun.body.user_code as string}`;
    const consent = await browser.get(page);
    expect(consent.status).toBe(200);
    const csrf_token = /name="csrf_token" value="([^"]+)"/.exec(await consent.text())?.[1] as string;
    const approved = await browser.post("/device", {
      csrf_token,
      user_code: begun.body.user_code as string,
      decision: "approve",
    });
    expect(approved.status).toBe(200);

    // The poll interval (slow_down) is shared too: wait it out before polling again.
    await new Promise((r) => setTimeout(r, 5_100));
    const tokens = await poll();
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    refreshToken = tokens.body.refresh_token as string;
    accessToken = tokens.body.access_token as string;
    expect(refreshToken).toBeTruthy();
  }, 30_000);

  test("a refresh token and an access token revoked on node 1 are refused on node 3 within a second", async () => {
    const [n1, n2, n3] = urls as [string, string, string];
    const introspect = async (token: string) =>
      (
        await postForm(
          `${n3}/introspect`,
          { token },
          { authorization: basicAuth(service.clientId, service.secret) },
        )
      ).body;
    expect((await introspect(accessToken)).active).toBe(true);
    // Node 2 rotates the refresh token; node 3 sees the new one, node 1 revokes it.
    const rotated = await postForm(`${n2}/token`, {
      grant_type: "refresh_token",
      client_id: device.clientId,
      refresh_token: refreshToken,
    });
    expect(rotated.status).toBe(200);
    const current = rotated.body.refresh_token as string;
    expect((await revoke(`${n1}/revoke`, { token: current, client_id: device.clientId })).status).toBe(200);
    expect((await revoke(`${n1}/revoke`, { token: accessToken, client_id: device.clientId })).status).toBe(
      200,
    );
    const revokedAt = Date.now();
    let refused = false;
    while (Date.now() - revokedAt < 1000 && !refused) {
      const [refresh, seen] = await Promise.all([
        postForm(`${n3}/token`, {
          grant_type: "refresh_token",
          client_id: device.clientId,
          refresh_token: current,
        }),
        introspect(accessToken),
      ]);
      refused = refresh.body.error === "invalid_grant" && seen.active === false;
    }
    expect(refused).toBe(true);
    // The spent one stays spent everywhere.
    const replay = await postForm(`${n3}/token`, {
      grant_type: "refresh_token",
      client_id: device.clientId,
      refresh_token: refreshToken,
    });
    expect(replay.body.error).toBe("invalid_grant");
  });

  test("a scope policy and the AUP set on node 1 apply on node 3 within a second", async () => {
    const [n1, , n3] = urls as [string, string, string];
    const api = restApi(() => n1, BOOTSTRAP);
    const password = () =>
      postForm(
        `${n3}/token`,
        { grant_type: "password", username: "admin", password: PASSWORD, scope: "openid storage.read:/cms" },
        { authorization: basicAuth(passwordClient.clientId, passwordClient.secret) },
      );
    /** Requests on node 3 until `done` holds; the time it took, in ms. */
    const until = async (done: (reply: Awaited<ReturnType<typeof password>>) => boolean) => {
      const from = Date.now();
      while (!done(await password())) expect(Date.now() - from).toBeLessThan(1_500);
      return Date.now() - from;
    };
    expect((await password()).body.scope).toBe("openid storage.read:/cms");

    const policy = await api("POST", "/policies", {
      rule: "deny",
      scopes: ["storage.read:/cms"],
      matching: "exact",
    });
    expect(policy.status).toBe(201);
    expect(await until((r) => r.body.scope === "openid")).toBeLessThan(1_100);
    expect((await api("DELETE", `/policies/${policy.body.id as string}`)).status).toBe(204);
    expect(await until((r) => r.body.scope === "openid storage.read:/cms")).toBeLessThan(1_100);

    expect(
      (await api("PUT", "/aup", { text: "Use it for science.", url: null, validity_days: 0 })).status,
    ).toBe(200);
    expect(await until((r) => r.body.error === "invalid_grant")).toBeLessThan(1_100);
    expect((await api("DELETE", "/aup")).status).toBe(204);
    expect(await until((r) => r.status === 200)).toBeLessThan(1_100);
  });

  test("lockout counters are shared: failures on node 1 lock the account on node 2", async () => {
    const [n1, n2] = urls as [string, string, string];
    const one = createBrowser(n1);
    for (let i = 0; i < 3; i++) expect((await one.login("admin", "a wrong password")).status).toBe(401);
    const two = createBrowser(n2);
    const locked = await two.login("admin", PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  test("a key rotated at once on node 1: its tokens verify on node 3 within a second, node 2 publishes it within the reload interval", async () => {
    const [n1, n2, n3] = urls as [string, string, string];
    const rotated = await fetch(`${n1}/api/v1/keys/rotate`, {
      method: "POST",
      headers: { authorization: `Bearer ${BOOTSTRAP}`, "content-type": "application/json" },
      body: JSON.stringify({ immediate: true }),
    });
    expect(rotated.status).toBe(201);
    const { kid } = (await rotated.json()) as { kid: string };
    const started = Date.now();
    const issued = await postForm(
      `${n1}/token`,
      { grant_type: "client_credentials", scope: "storage.read:/cms" },
      { authorization: basicAuth(service.clientId, service.secret) },
    );
    const token = issued.body.access_token as string;
    const header = JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString());
    expect(header.kid).toBe(kid);
    // Node 3 has not reloaded its keys yet: the unknown kid makes it reread them (at most once a
    // second, so garbage kids cannot hammer the database).
    let verifiedAfter = -1;
    while (Date.now() - started < 3_000 && verifiedAfter < 0) {
      const seen = await postForm(
        `${n3}/introspect`,
        { token },
        { authorization: basicAuth(service.clientId, service.secret) },
      );
      if (seen.body.active === true) verifiedAfter = Date.now() - started;
      else await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`multi-node: node 3 verified a token signed with the new key after ${verifiedAfter} ms`);
    expect(verifiedAfter).toBeGreaterThanOrEqual(0);
    expect(verifiedAfter).toBeLessThan(1_500);
    let publishedAfter = -1;
    while (Date.now() - started < 10_000) {
      const set = (await (await fetch(`${n2}/jwk`)).json()) as { keys: { kid: string }[] };
      if (set.keys.some((k) => k.kid === kid)) {
        publishedAfter = Date.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`multi-node: node 2 published the key rotated on node 1 after ${publishedAfter} ms`);
    expect(publishedAfter).toBeGreaterThanOrEqual(0);
    expect(publishedAfter).toBeLessThan(KEY_RELOAD_SECONDS * 1000 + 1000);
  });

  // Last: node 1 does not come back.
  test("node 1 killed under load: nodes 2 and 3 keep serving; only requests in flight on node 1 fail", async () => {
    const alive = new Set([0, 1, 2]);
    const log: { node: number; started: number; ok: boolean; error?: string }[] = [];
    let next = 0;
    const deadline = Date.now() + 4_000;
    // The test is the load balancer: round robin over the nodes it believes alive; a connection
    // refused was never sent, so it marks the node down and sends the request elsewhere (as
    // nginx's proxy_next_upstream does); anything else is a failed request.
    const worker = async () => {
      while (Date.now() < deadline) {
        const node = [...alive][next++ % alive.size] as number;
        const started = Date.now();
        const outcome = await issueToken(urls[node] as string);
        if (outcome === "refused") {
          alive.delete(node);
          continue;
        }
        log.push({ node, started, ok: outcome === "ok", ...(outcome === "ok" ? {} : { error: outcome }) });
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((r) => setTimeout(r, 1_500));
    const killedAt = Date.now();
    nodes[0]?.child.kill("SIGKILL");
    // Until the kernel has torn the process down, its listening socket still completes
    // handshakes: requests sent then were in flight on node 1 too.
    await nodes[0]?.exited;
    const goneAt = Date.now();
    await Promise.all(workers);

    const failed = log.filter((r) => !r.ok);
    const servedAfter = log.filter((r) => r.ok && r.started > killedAt);
    console.log(
      `multi-node: ${log.length} requests, ${failed.length} failed (in flight on node 1; it was gone ${goneAt - killedAt} ms after SIGKILL), ${servedAfter.length} served by nodes 2 and 3 after the kill`,
    );
    for (const failure of failed) {
      expect(failure.node, failure.error).toBe(0);
      expect(failure.started).toBeLessThanOrEqual(goneAt);
    }
    expect(log.filter((r) => r.ok && r.node === 0).length).toBeGreaterThan(0);
    expect(servedAfter.length).toBeGreaterThan(50);
    expect(new Set(servedAfter.map((r) => r.node))).toEqual(new Set([1, 2]));
    expect(alive.has(0)).toBe(false);
  }, 30_000);
});

/** One client-credentials request on a fresh connection: "ok", "refused" (never sent) or the error. */
function issueToken(base: string): Promise<string> {
  const body = "grant_type=client_credentials&scope=storage.read%3A%2Fcms";
  return new Promise((resolve) => {
    const request = httpRequest(
      `${base}/token`,
      {
        method: "POST",
        agent: false,
        headers: {
          authorization: basicAuth(service.clientId, service.secret),
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
        },
      },
      (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on("end", () =>
          resolve(
            response.statusCode === 200 && text.includes("access_token")
              ? "ok"
              : `HTTP ${response.statusCode}`,
          ),
        );
        response.on("error", (error) => resolve(error.message));
      },
    );
    request.on("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "ECONNREFUSED" ? "refused" : `${error.code ?? ""} ${error.message}`),
    );
    request.end(body);
  });
}
