// End to end: a real Tessera server process (packages/server/src/main.ts over its own SQLite
// data directory) and the `tessera` command run as child processes, as a user runs them. Device
// logins are approved over HTTP through the real /login and /device pages (always), and once in
// headless Chromium when CHROMIUM_PATH is set. The tests of this file build on each other in
// order: Alice logs in, then uses and finally revokes her tokens; the administrator logs in and
// administers.
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { AccountEntry } from "../src/index.js";
import {
  approveDeviceInChromium,
  chromiumPath,
  decideDeviceOverHttp,
  signIn,
} from "./support/device-approval.js";
import {
  ADMIN_PASSWORD,
  BOOTSTRAP_TOKEN,
  type CliOptions,
  runTessera,
  spawnTessera,
  startTesseraProcess,
  type TesseraProcess,
} from "./support/processes.js";

const ALICE_PASSWORD = "alice has a long password";
const BOB_PASSWORD = "bob builds long passwords";
/** What the CLI may register for itself (the server's registration.allowedScopes). */
const REGISTRATION_SCOPES =
  "openid profile email offline_access wlcg wlcg.groups storage.read:/ iam:admin.read iam:admin.write";
const ADMIN_SCOPES = "openid profile email offline_access iam:admin.read iam:admin.write";
/** Access tokens live 5 minutes (the WLCG minimum); the CLI's clock is moved past that. */
const ACCESS_TOKEN_LIFETIME = 300;
const USER_CODE = /^[A-Z0-9]{4}-[A-Z0-9]{4}$/;
/** Control sequences a spinner or a cursor movement would leave. */
const ESCAPE = "\u001b";
/** The block characters qrcode-terminal draws with. */
const QR_BLOCKS = /[\u2580\u2584\u2588]/;

// Each test runs several `tessera` processes (about a second each on a busy two-core machine).
vi.setConfig({ testTimeout: 90_000 });

let server: TesseraProcess;
let root: string;
let alice: CliOptions;
let admin: CliOptions;
let aliceId: string;
/** A confidential client that may call /introspect (a resource server, in real life). */
let introspector: { id: string; secret: string };

async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function form(path: string, fields: Record<string, string>, basic?: { id: string; secret: string }) {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString("base64")}`;
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers,
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** RFC 7662 introspection by the resource server's confidential client. */
async function introspect(token: string): Promise<Record<string, unknown>> {
  const { status, body } = await form("/introspect", { token }, introspector);
  expect(status).toBe(200);
  return body;
}

async function newHome(name: string): Promise<CliOptions> {
  const home = join(root, name);
  await mkdir(join(home, "run"), { recursive: true, mode: 0o700 });
  return { home };
}

async function cacheEntry(options: CliOptions): Promise<AccountEntry> {
  const file = join(options.home, "config", "tessera", "accounts", `${accountName()}.json`);
  return JSON.parse(await readFile(file, "utf8")) as AccountEntry;
}

/** The cache's account name for the issuer: its host and port. */
function accountName(): string {
  const { hostname, port } = new URL(server.url);
  return `${hostname}_${port}`;
}

function cachedRefreshToken(entry: AccountEntry): string {
  const refresh = entry.refreshToken;
  if (!refresh || !("token" in refresh)) throw new Error("no refresh token in clear in the cache");
  return refresh.token;
}

/** `tessera login ARGS` as a child process, its verification URL approved as `user` once printed. */
async function loginApprovedOverHttp(options: CliOptions, args: string[], user: string, password: string) {
  const login = spawnTessera(["login", ...args], options);
  const [, url] = await login.waitFor("stdout", /^ {4}(http:\/\/\S+)$/m);
  const decision = await decideDeviceOverHttp(url as string, user, password);
  const code = await login.exited;
  return { code, stdout: login.stdout(), stderr: login.stderr(), url: url as string, decision };
}

beforeAll(async () => {
  server = await startTesseraProcess({
    TESSERA_DEVICE_POLL_INTERVAL: "1s",
    TESSERA_ACCESS_TOKEN_LIFETIME: `${ACCESS_TOKEN_LIFETIME}s`,
    TESSERA_REGISTRATION_ALLOWED_SCOPES: REGISTRATION_SCOPES,
  });
  root = await mkdtemp(join(tmpdir(), "tessera-e2e-homes-"));
  alice = await newHome("alice");
  admin = await newHome("admin");
  aliceId = (
    await api("POST", "/accounts", {
      username: "alice",
      name: "Alice Example",
      email: "alice@example.org",
      password: ALICE_PASSWORD,
    })
  ).id as string;
  const cms = await api("POST", "/groups", { name: "/cms" });
  await api("PUT", `/groups/${cms.id}/members/${aliceId}`, {});
  const rs = await api("POST", "/clients", {
    client_name: "resource server",
    grant_types: ["client_credentials"],
    scope: "compute.read",
  });
  introspector = { id: rs.client_id as string, secret: rs.client_secret as string };
}, 90_000);

afterAll(async () => {
  await server?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("tessera login, status, token, exec and logout against a Tessera process", () => {
  test("first login: registers a public client, prints the complete URL and the code, and caches tokens once approved", async () => {
    const login = await loginApprovedOverHttp(
      alice,
      [
        "--issuer",
        server.url,
        "--scope",
        "openid profile email offline_access wlcg wlcg.groups",
        "--scope",
        "storage.read:/",
      ],
      "alice",
      ALICE_PASSWORD,
    );
    expect(login.code, login.stderr).toBe(0);

    // Registration (RFC 7591) at first run: the client exists at the server, public, device + refresh.
    const clientId = /^Registered client (\S+) at (\S+)$/m.exec(login.stderr);
    expect(clientId?.[2]).toBe(server.url);
    const client = await api("GET", `/clients/${clientId?.[1]}`);
    expect(client).toMatchObject({
      client_name: "tessera-cli",
      token_endpoint_auth_method: "none",
      grant_types: expect.arrayContaining(["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"]),
    });

    // The complete verification URL, and the same code spelled out on its own.
    const url = new URL(login.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${server.url}/device`);
    const userCode = url.searchParams.get("user_code") as string;
    expect(userCode).toMatch(USER_CODE);
    expect(login.stdout).toContain(
      `To log in, open this URL in a browser:\n\n    ${login.url}\n\nand check that it shows the code: ${userCode}\n`,
    );
    // The page that URL opens names the client and the code; approving it answers "Device approved".
    expect(login.decision.consent).toContain(`tessera-cli asks to act on your behalf with code ${userCode}`);
    expect(login.decision.consent).toContain("storage.read:/");
    expect(login.decision.status).toBe(200);
    expect(login.decision.result).toContain("Device approved");

    // Piped output: no QR code, no spinner, no escape sequences; a clear final message.
    expect(login.stdout).not.toMatch(QR_BLOCKS);
    expect(login.stdout + login.stderr).not.toContain(ESCAPE);
    expect(login.stderr).not.toContain("Waiting for approval");
    const file = join(alice.home, "config", "tessera", "accounts", `${accountName()}.json`);
    expect(login.stdout).toContain(
      `Logged in to ${server.url} as Alice Example (account ${accountName()}).\nTokens cached in ${file}\n`,
    );

    // The cache: a 0700 folder, a 0600 file holding both tokens for this client.
    expect((await stat(join(alice.home, "config", "tessera"))).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const entry = await cacheEntry(alice);
    expect(entry.client.clientId).toBe(clientId?.[1]);
    const access = await introspect(entry.accessToken?.token as string);
    expect(access).toMatchObject({ active: true, username: "alice", sub: aliceId, client_id: clientId?.[1] });
    expect(String(access.scope).split(" ")).toContain("storage.read:/");
    expect(cachedRefreshToken(entry)).not.toBe("");
  });

  test("status prints the panda_auth fields of the login", async () => {
    const before = Date.now();
    const status = await runTessera(["status"], alice);
    expect(status.code, status.stderr).toBe(0);
    const fields = Object.fromEntries(
      status.stdout
        .trimEnd()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf(": ")), line.slice(line.indexOf(": ") + 2)]),
    );
    expect(Object.keys(fields)).toEqual([
      "Filename",
      "Account",
      "Valid starting",
      "Expires",
      "Name",
      "Email",
      "Groups",
      "Organization",
      "Scopes",
      "Refresh token expires",
    ]);
    expect(fields.Filename).toBe(join(alice.home, "config", "tessera", "accounts", `${accountName()}.json`));
    expect(fields.Account).toBe(`${accountName()} at ${server.url}`);
    expect(fields.Name).toBe("Alice Example");
    expect(fields.Email).toBe("alice@example.org");
    expect(fields.Groups).toMatch(/^\/?cms$/);
    expect(fields.Organization).toBe("tessera");
    expect(fields.Scopes).toBe("openid profile email offline_access wlcg wlcg.groups storage.read:/");
    const issued = Date.parse(fields["Valid starting"]?.split(" ")[0] as string);
    const expires = Date.parse(fields.Expires?.split(" ")[0] as string);
    expect(issued).toBeLessThanOrEqual(before);
    expect(expires - issued).toBe(ACCESS_TOKEN_LIFETIME * 1000);
    expect(fields.Expires).toMatch(/\(in [45] min\)$/);
    // The token response's refresh_expires_in (Tessera's refresh tokens are opaque): 10 days by default.
    const refreshExpires = Date.parse(fields["Refresh token expires"]?.split(" ")[0] as string);
    expect(Math.round((refreshExpires - issued) / 86_400_000)).toBe(10);

    const json = await runTessera(["status", "--json"], alice);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      account: accountName(),
      issuer: server.url,
      valid: true,
      name: "Alice Example",
      email: "alice@example.org",
      organization: "tessera",
    });
  });

  test("token prints the cached access token, a JWT of this issuer, until it needs refreshing", async () => {
    const entry = await cacheEntry(alice);
    const first = await runTessera(["token"], alice);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`${entry.accessToken?.token}\n`);
    const claims = decodeJwt(first.stdout.trim());
    expect(claims).toMatchObject({
      iss: server.url,
      sub: aliceId,
      "wlcg.ver": "1.0",
      "wlcg.groups": ["/cms"],
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(ACCESS_TOKEN_LIFETIME);
    // Asked to stay valid longer than the token lives, it is refreshed: a new token, also active.
    const fresh = await runTessera(["token", "--min-valid", String(ACCESS_TOKEN_LIFETIME + 60)], alice);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).not.toBe(first.stdout);
    expect(await introspect(fresh.stdout.trim())).toMatchObject({ active: true, username: "alice" });
    expect((await cacheEntry(alice)).accessToken?.token).toBe(fresh.stdout.trim());
  });

  test("a down-scoped token (-s, --aud) through the refresh grant, cached apart from the main token", async () => {
    const main = (await cacheEntry(alice)).accessToken?.token;
    const scoped = await runTessera(
      ["token", "-s", "storage.read:/cms", "--aud", "https://storage.example.org"],
      alice,
    );
    expect(scoped.code, scoped.stderr).toBe(0);
    const token = scoped.stdout.trim();
    expect(decodeJwt(token)).toMatchObject({
      scope: "storage.read:/cms",
      aud: "https://storage.example.org",
      sub: aliceId,
    });
    expect(await introspect(token)).toMatchObject({ active: true, scope: "storage.read:/cms" });
    // Asked again: the same token from the cache; the main token is untouched.
    const again = await runTessera(
      ["token", "-s", "storage.read:/cms", "--aud", "https://storage.example.org"],
      alice,
    );
    expect(again.stdout.trim()).toBe(token);
    expect((await cacheEntry(alice)).accessToken?.token).toBe(main);
    expect((await runTessera(["token"], alice)).stdout.trim()).toBe(main);

    // Wider than the login's grant: refused by the server, one line, exit 1.
    const wider = await runTessera(["token", "-s", "storage.modify:/cms"], alice);
    expect(wider.code).toBe(1);
    expect(wider.stdout).toBe("");
    expect(wider.stderr).toMatch(/^tessera: .*invalid_scope.*\n$/);
  });

  test("--bt writes the token to the bearer-token-discovery file (0600), which decode then finds", async () => {
    const run = await runTessera(["token", "--bt"], alice);
    expect(run.code, run.stderr).toBe(0);
    const uid = process.getuid?.() ?? 0;
    const file = join(alice.home, "run", `bt_u${uid}`);
    expect(run.stderr).toBe(`Token written to ${file}\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, "utf8")).toBe(run.stdout);

    // $BEARER_TOKEN_FILE wins over $XDG_RUNTIME_DIR.
    const named = join(alice.home, "my-token");
    const explicit = await runTessera(["token", "--bt"], { ...alice, env: { BEARER_TOKEN_FILE: named } });
    expect(explicit.code).toBe(0);
    expect((await stat(named)).mode & 0o777).toBe(0o600);
    expect((await readFile(named, "utf8")).trim()).toBe(run.stdout.trim());

    // WLCG bearer-token discovery reads that file; the signature is checked against the server's JWKS.
    const decode = await runTessera(["decode"], alice);
    expect(decode.code, decode.stderr).toBe(0);
    expect(decode.stdout).toContain(`Token from ${file}`);
    expect(decode.stdout).toContain(`"iss": "${server.url}"`);
    expect(decode.stdout).toContain("signature: valid");
  });

  test("exec runs a command with BEARER_TOKEN set, which the server accepts, and forwards its exit code", async () => {
    const token = (await cacheEntry(alice)).accessToken?.token;
    // The command calls /userinfo with the token it was given, prints the answer and exits 7.
    const script = [
      "const r = await fetch(process.argv[1] + '/userinfo', { headers: { authorization: 'Bearer ' + process.env.BEARER_TOKEN } });",
      "console.log(r.status, JSON.stringify(await r.json()));",
      "console.error(process.env.BEARER_TOKEN.length);",
      "process.exit(7);",
    ].join("\n");
    const run = await runTessera(
      ["exec", "--", process.execPath, "--input-type=module", "-e", script, server.url],
      alice,
    );
    expect(run.code).toBe(7);
    const [status, body] = [run.stdout.slice(0, 3), JSON.parse(run.stdout.slice(4))];
    expect(status).toBe("200");
    expect(body).toMatchObject({ sub: aliceId, name: "Alice Example", email: "alice@example.org" });
    expect(run.stderr).toBe(`${token?.length}\n`);

    // With -s, the command gets the down-scoped token.
    const scoped = await runTessera(
      [
        "exec",
        "-s",
        "storage.read:/cms",
        "--",
        process.execPath,
        "-e",
        "process.stdout.write(process.env.BEARER_TOKEN)",
      ],
      alice,
    );
    expect(scoped.code).toBe(0);
    expect(decodeJwt(scoped.stdout).scope).toBe("storage.read:/cms");

    // No command: a usage error.
    const usage = await runTessera(["exec"], alice);
    expect(usage.code).toBe(2);
  });

  test("after the access token expired, status says so (exit 1) and token refreshes it with the rotated refresh token", async () => {
    const later = { ...alice, clockShift: ACCESS_TOKEN_LIFETIME + 60 };
    const before = await cacheEntry(alice);
    const expired = await runTessera(["status"], later);
    expect(expired.code).toBe(1);
    expect(expired.stdout).toMatch(/^Expires: \S+ \(\d+ min ago\), expired$/m);
    expect(expired.stderr).toBe(
      "No valid access token: run `tessera token` to refresh or `tessera login`.\n",
    );

    const refreshed = await runTessera(["token"], later);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const token = refreshed.stdout.trim();
    expect(token).not.toBe(before.accessToken?.token);
    expect(decodeJwt(token)).toMatchObject({ iss: server.url, sub: aliceId });
    expect(await introspect(token)).toMatchObject({ active: true, username: "alice" });
    // The server rotated the refresh token; the cache holds the new one.
    const after = await cacheEntry(alice);
    expect(after.accessToken?.token).toBe(token);
    expect(cachedRefreshToken(after)).not.toBe(cachedRefreshToken(before));

    const valid = await runTessera(["status"], later);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toMatch(/^Valid starting: \S+ \((just now|\d+ s ago)\)$/m);
    expect(valid.stdout).toMatch(/^Expires: \S+ \(in [45] min\)$/m);
  });

  test("logout revokes the refresh token and the access token at the server, then forgets them", async () => {
    const entry = await cacheEntry(alice);
    const refreshToken = cachedRefreshToken(entry);
    const accessToken = entry.accessToken?.token as string;
    expect(await introspect(accessToken)).toMatchObject({ active: true });

    const logout = await runTessera(["logout"], alice);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toBe(`Logged out of ${server.url} (account ${accountName()}).\n`);

    // At the server: the access token is inactive, and the refresh token no longer refreshes.
    expect(await introspect(accessToken)).toEqual({ active: false });
    const reuse = await form("/token", {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: entry.client.clientId,
    });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe("invalid_grant");

    // Locally: no cache entry, so status and token say to log in.
    await expect(
      stat(join(alice.home, "config", "tessera", "accounts", `${accountName()}.json`)),
    ).rejects.toThrow(/ENOENT/);
    const status = await runTessera(["status"], alice);
    expect(status.code).toBe(1);
    expect(status.stderr).toBe("tessera: not logged in: run `tessera login`\n");
  });
});

describe("tessera admin with an administrator's token from a device login", () => {
  test("the administrator logs in with the admin scopes (--no-wait, then --continue)", async () => {
    const start = await runTessera(
      ["login", "--issuer", server.url, "--scope", ADMIN_SCOPES, "--no-wait"],
      admin,
    );
    expect(start.code, start.stderr).toBe(0);
    const url = /^ {4}(http:\/\/\S+)$/m.exec(start.stdout)?.[1] as string;
    expect(start.stdout).toContain("Run `tessera login --continue` once approved.\n");
    const decision = await decideDeviceOverHttp(url, "admin", ADMIN_PASSWORD);
    expect(decision.result).toContain("Device approved");

    const finish = await runTessera(["login", "--continue"], admin);
    expect(finish.code, finish.stderr).toBe(0);
    expect(finish.stdout).toContain(
      `Logged in to ${server.url} as Administrator (account ${accountName()}).`,
    );
    const token = (await runTessera(["token"], admin)).stdout.trim();
    expect(String(decodeJwt(token).scope).split(" ")).toEqual(
      expect.arrayContaining(["iam:admin.read", "iam:admin.write"]),
    );
  });

  test("admin commands list, create and change accounts, groups and clients at the server", async () => {
    const users = await runTessera(["admin", "users", "list"], admin);
    expect(users.code, users.stderr).toBe(0);
    const rows = users.stdout
      .trimEnd()
      .split("\n")
      .map((line) => line.split(/\s{2,}/));
    expect(rows[0]).toEqual(["USERNAME", "NAME", "EMAIL", "STATUS", "ADMIN", "ENDS", "ID"]);
    expect(rows).toContainEqual([
      "alice",
      "Alice Example",
      "alice@example.org",
      "active",
      "no",
      "-",
      aliceId,
    ]);
    expect(rows.find((r) => r[0] === "admin")?.slice(0, 5)).toEqual([
      "admin",
      "Administrator",
      "admin@localhost",
      "active",
      "yes",
    ]);

    // create reads the password from standard input; Bob can then sign in with it.
    const create = await runTessera(
      [
        "admin",
        "users",
        "create",
        "--username",
        "bob",
        "--name",
        "Bob Builder",
        "--email",
        "bob@example.org",
        "--password-stdin",
      ],
      { ...admin, stdin: `${BOB_PASSWORD}\n` },
    );
    expect(create.code, create.stderr).toBe(0);
    const bobId = /^Created user bob \(([0-9a-f-]{36})\)\.$/m.exec(create.stdout)?.[1];
    expect(bobId).toBeDefined();
    expect((await signIn(server.url, "bob", BOB_PASSWORD)).status).toBe(303);

    const add = await runTessera(["admin", "groups", "add", "/cms", "bob", "--manager"], admin);
    expect(add.code, add.stderr).toBe(0);
    const members = await runTessera(["admin", "groups", "members", "/cms", "--json"], admin);
    const items = (JSON.parse(members.stdout) as { items: Record<string, unknown>[] }).items;
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ account_id: aliceId, manager: false }),
        expect.objectContaining({ account_id: bobId, manager: true }),
      ]),
    );

    // Suspending Bob ends his sign-ins.
    const suspend = await runTessera(["admin", "users", "suspend", "bob"], admin);
    expect(suspend.code, suspend.stderr).toBe(0);
    const show = await runTessera(["admin", "users", "show", "bob", "--json"], admin);
    expect(JSON.parse(show.stdout)).toMatchObject({ username: "bob", status: "suspended" });
    expect((await signIn(server.url, "bob", BOB_PASSWORD)).status).not.toBe(303);

    // The clients the CLI registered for itself are listed.
    const clients = await runTessera(["admin", "clients", "list", "--json"], admin);
    const mine = (await cacheEntry(admin)).client.clientId;
    expect(
      (JSON.parse(clients.stdout) as { items: { client_id: string }[] }).items.map((c) => c.client_id),
    ).toContain(mine);

    // Not found: one line, exit 1.
    const missing = await runTessera(["admin", "users", "show", "carol"], admin);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`tessera: no user "carol" at ${server.url}\n`);
  });

  test("a user's own token is refused for admin commands with exit code 3", async () => {
    const bystander = await newHome("bystander");
    const login = await loginApprovedOverHttp(bystander, ["--issuer", server.url], "alice", ALICE_PASSWORD);
    expect(login.code, login.stderr).toBe(0);
    const refused = await runTessera(["admin", "users", "list"], bystander);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(
      "tessera: not allowed: administrator rights are required (this account is not an administrator)\n",
    );
  });
});

describe.skipIf(!chromiumPath)("a device login approved in headless Chromium", () => {
  test("the CLI polls while Alice signs in and approves on the real pages", async () => {
    const home = await newHome("chromium");
    const login = spawnTessera(
      ["login", "--issuer", server.url, "--audience", "https://storage.example.org"],
      home,
    );
    const [, url] = await login.waitFor("stdout", /^ {4}(http:\/\/\S+)$/m);
    const decision = await approveDeviceInChromium(url as string, "alice", ALICE_PASSWORD);
    expect(decision.consent).toContain("tessera-cli asks to act on your behalf with code");
    expect(decision.consent).toContain("For services: https://storage.example.org");
    expect(decision.status).toBe(200);
    expect(decision.result).toContain("Device approved");
    expect(await login.exited, login.stderr()).toBe(0);
    expect(login.stdout()).toContain(`Logged in to ${server.url} as Alice Example`);

    const token = (await runTessera(["token"], home)).stdout.trim();
    expect(decodeJwt(token)).toMatchObject({ sub: aliceId, aud: "https://storage.example.org" });
  });
});
