/**
 * The gateway behind a real nginx (Debian's package; scripts/ensure-nginx.sh finds or installs
 * it and scripts/test.sh exports NGINX_PATH). nginx runs unprivileged-style from a temporary
 * prefix with deploy/nginx/tessera-gateway.conf, `auth_request` to a real Tessera, in front of a
 * tiny upstream that echoes the headers it receives.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { restApi } from "./support/rest-api.js";
import { freePort, startTestServer, type TestServer } from "./support/test-server.js";

const NGINX = process.env.NGINX_PATH || (existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "");
const DEPLOY = resolve(import.meta.dirname, "../../../deploy/nginx");
const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
const PASSWORD = "a long enough password";

if (!NGINX)
  console.warn("gateway-nginx.test: no nginx (set NGINX_PATH or run scripts/ensure-nginx.sh); skipped");

describe.skipIf(!NGINX)("Tessera as the gateway of a real nginx", () => {
  let server: TestServer;
  let upstream: Server;
  let nginx: ChildProcess;
  let dir: string;
  let base: string;
  let nginxLog = "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tessera-nginx-"));
    for (const sub of ["logs", "tmp"]) mkdirSync(join(dir, sub));
    const configFile = join(dir, "tessera.yaml");
    writeFileSync(
      configFile,
      [
        "gateway:",
        "  groupScopes:",
        "    /rubin/data-rights: [read:tap]",
        "  allowedRedirectDomains: [127.0.0.1]",
        "",
      ].join("\n"),
    );
    // nginx asks the gateway listener (gateway.port), as deploy/nginx/ recommends.
    const gatewayPort = await freePort();
    server = await startTestServer({
      TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP,
      TESSERA_CONFIG: configFile,
      TESSERA_GATEWAY_PORT: String(gatewayPort),
    });
    // The protected application: echoes what nginx passed on.
    upstream = createServer((request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ url: request.url, headers: request.headers }));
    });
    await new Promise<void>((done) => upstream.listen(0, "127.0.0.1", done));
    const appPort = (upstream.address() as { port: number }).port;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const conf = readFileSync(join(DEPLOY, "tessera-gateway.conf"), "utf8")
      .replaceAll("__LISTEN__", `127.0.0.1:${port}`)
      .replaceAll("__TESSERA__", `127.0.0.1:${gatewayPort}`)
      .replaceAll("__APP__", `127.0.0.1:${appPort}`);
    writeFileSync(join(dir, "nginx.conf"), conf);
    copyFileSync(join(DEPLOY, "tessera-identity.conf"), join(dir, "tessera-identity.conf"));
    nginx = spawn(NGINX, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "logs/error.log")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    nginx.stderr?.on("data", (chunk) => {
      nginxLog += String(chunk);
    });
    await waitForPort(port, () => nginxLog);

    // alice holds read:tap through her group; bob does not.
    for (const name of ["alice", "bob"]) {
      await server.tessera.services.accounts.create({
        username: name,
        name,
        email: `${name}@example.org`,
        password: PASSWORD,
      });
    }
    const alice = await server.tessera.services.accounts.findByUsername("alice");
    const group = (await api("POST", "/groups", { name: "/rubin" })).body as { id: string };
    const rights = (await api("POST", "/groups", { name: "/rubin/data-rights" })).body as { id: string };
    for (const g of [group, rights]) await api("PUT", `/groups/${g.id}/members/${alice?.id}`, {});
  }, 30_000);

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((done) => nginx.once("exit", done));
      nginx.kill("SIGTERM");
      await exited;
    }
    await new Promise((done) => upstream?.close(done));
    await server?.close();
    if (process.env.TESSERA_DEBUG)
      console.log(
        readFileSync(join(dir, "logs/error.log"), "utf8"),
        readFileSync(join(dir, "logs/access.log"), "utf8"),
      );
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const api = restApi(() => server.url, BOOTSTRAP);

  async function userToken(username: string, scopes: string[]) {
    const browser = createBrowser(server.url);
    expect((await browser.login(username, PASSWORD)).status).toBe(303);
    const csrf = await browser.csrfFrom("/");
    const response = await browser.request("/api/v1/me/tokens", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ name: `nginx-${Math.random()}`, scopes }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { token: string; key: string };
  }

  const echo = async (response: Response) =>
    (await response.json()) as { url: string; headers: Record<string, string | undefined> };

  test("an anonymous browser is sent to sign in and lands back on the page", async () => {
    const browser = createBrowser(base);
    const first = await browser.get("/app/page?x=1&y=2");
    expect(first.status).toBe(302);
    const login = new URL(first.headers.get("location") ?? "");
    expect(login.origin + login.pathname).toBe(`${server.url}/login`);
    expect(login.searchParams.get("rd")).toBe(`${base}/app/page?x=1&y=2`);

    // The login page keeps rd in its form; the login answers 303 back to the page.
    const csrf = await browser.csrfFrom(login.href);
    const done = await browser.post(`${server.url}/login`, {
      username: "alice",
      password: PASSWORD,
      csrf_token: csrf,
      rd: login.searchParams.get("rd") ?? "",
    });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`${base}/app/page?x=1&y=2`);

    const landed = await browser.get(done.headers.get("location") ?? "");
    expect(landed.status).toBe(200);
    const seen = await echo(landed);
    expect(seen.url).toBe("/app/page?x=1&y=2");
    expect(seen.headers["x-auth-request-user"]).toBe("alice");
    // Tessera's session cookie does not reach the application.
    expect(seen.headers.cookie).toBeUndefined();
  });

  test("a bearer user token with the scope passes; spoofed identity headers are replaced", async () => {
    const { token } = await userToken("alice", ["read:tap"]);
    const response = await fetch(`${base}/api/data`, {
      headers: {
        authorization: `Bearer ${token}`,
        "x-auth-request-user": "mallory",
        "x-auth-request-groups": "/admins",
        "x-auth-request-token": "forged",
      },
    });
    expect(response.status).toBe(200);
    const seen = await echo(response);
    expect(seen.headers["x-auth-request-user"]).toBe("alice");
    expect(seen.headers["x-auth-request-email"]).toBe("alice@example.org");
    expect(seen.headers["x-auth-request-groups"]).toBe("/rubin,/rubin/data-rights");
    expect(seen.headers["x-auth-request-token"]).toBeUndefined();
    // The Tessera token stays with the gateway.
    expect(seen.headers.authorization).toBeUndefined();
  });

  test("a spoofed identity header never reaches the app, even on a public page", async () => {
    const response = await fetch(`${base}/public/x`, {
      headers: { "x-auth-request-user": "mallory", cookie: "tessera_session=abc; theme=dark" },
    });
    expect(response.status).toBe(200);
    const seen = await echo(response);
    expect(seen.headers["x-auth-request-user"]).toBeUndefined();
    expect(seen.headers.cookie).toBe("theme=dark");
  });

  test("without the scope: 403 with the insufficient_scope challenge", async () => {
    const { token } = await userToken("bob", ["storage.read:/bob"]);
    const response = await fetch(`${base}/api/data`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toBe(
      'Bearer realm="tessera", error="insufficient_scope", error_description="the credential lacks the scope read:tap", scope="read:tap"',
    );
  });

  test("an API client without credentials gets 401 and the Bearer challenge", async () => {
    const response = await fetch(`${base}/api/data`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="tessera"');
    const bad = await fetch(`${base}/api/data`, { headers: { authorization: "Bearer nonsense" } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  test("a revoked token is refused within a second", async () => {
    const { token, key } = await userToken("alice", ["read:tap"]);
    const call = () => fetch(`${base}/api/data`, { headers: { authorization: `Bearer ${token}` } });
    expect((await call()).status).toBe(200);
    expect((await api("DELETE", `/tokens/${key}`)).status).toBe(204);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 1000) status = (await call()).status;
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  test("a delegated token reaches the upstream in X-Auth-Request-Token", async () => {
    const { token, key } = await userToken("alice", ["read:tap"]);
    const response = await fetch(`${base}/portal/`, {
      headers: { authorization: `Bearer ${token}`, "x-auth-request-token": "forged" },
    });
    expect(response.status).toBe(200);
    const seen = await echo(response);
    const child = seen.headers["x-auth-request-token"] ?? "";
    expect(child).toMatch(/^tsr_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const record = await server.tessera.services.repos.userTokens.find(child.slice(4, 26));
    expect(record).toMatchObject({
      kind: "internal",
      service: "portal",
      scopes: ["read:tap"],
      parentKey: key,
    });
    // The upstream can use it at the gateway in turn.
    const onward = await fetch(`${base}/api/x`, { headers: { authorization: `Bearer ${child}` } });
    expect((await echo(onward)).headers["x-auth-request-user"]).toBe("alice");
  });
});

/** Resolves once something accepts connections on the port; fails with nginx's log otherwise. */
async function waitForPort(port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((done) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        done(true);
      });
      socket.once("error", () => done(false));
    });
    if (open) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`nginx did not start: ${log()}`);
}
