// `tessera admin …` against a real Tessera server started in-process, driven through runCli.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AccountEntry, createTokenCache, runCli } from "../src/index.js";
import {
  ADMIN_PASSWORD,
  passwordGrant,
  startTesseraServer,
  type TesseraServer,
} from "./support/tessera-server.js";
import { tempHome, testContext } from "./support/test-context.js";

const BOOTSTRAP = "bootstrap-token-for-the-cli-tests-0123456789";
const ALICE_PASSWORD = "alice has a long password";

let server: TesseraServer;
let home: { path: string; cleanup: () => Promise<void> };
let passwordClient: { id: string; secret: string };

beforeAll(async () => {
  server = await startTesseraServer({ TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP });
  home = await tempHome();
  const response = await fetch(`${server.url}/api/v1/clients`, {
    method: "POST",
    headers: { authorization: `Bearer ${BOOTSTRAP}`, "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "test password client",
      grant_types: ["password"],
      token_endpoint_auth_method: "client_secret_basic",
      scope: "openid profile iam:admin.read iam:admin.write",
    }),
  });
  const client = (await response.json()) as { client_id: string; client_secret: string };
  passwordClient = { id: client.client_id, secret: client.client_secret };
});
afterAll(async () => {
  await server?.close();
  await home?.cleanup();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: () => Record<string, unknown> & { items: Record<string, unknown>[] };
}

/** `tessera admin ARGS` with the bootstrap token in $TESSERA_ADMIN_TOKEN unless env says otherwise. */
async function admin(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { home?: string; stdin?: string } = {},
): Promise<Run> {
  const ctx = testContext(options.home ?? home.path, {
    TESSERA_ADMIN_TOKEN: BOOTSTRAP,
    TESSERA_ISSUER: server.url,
    ...env,
  });
  if (options.stdin !== undefined) {
    const text = options.stdin;
    ctx.readStdin = async () => text;
  }
  const code = await runCli(["admin", ...args], ctx);
  const stdout = ctx.stdout.text;
  return { code, stdout, stderr: ctx.stderr.text, json: () => JSON.parse(stdout) };
}

/** The cells of the table row whose first column is `first`. */
function row(table: string, first: string): string[] | undefined {
  return table
    .split("\n")
    .map((line) => line.split(/\s{2,}/))
    .find((cells) => cells[0] === first);
}

describe("help and usage", () => {
  test("tessera admin --help lists every subcommand, authentication and exit codes", async () => {
    const run = await admin(["--help"]);
    expect(run.code).toBe(0);
    for (const line of [
      "tessera admin users list",
      "tessera admin users show <user>",
      "tessera admin users create --username <username> --name <name> --email <email>",
      "tessera admin users suspend <user>",
      "tessera admin users activate <user>",
      "tessera admin users expire <user> <date>",
      "tessera admin users grant-admin <user>",
      "tessera admin users revoke-admin <user>",
      "tessera admin registrations list",
      "tessera admin registrations approve <id>",
      "tessera admin registrations reject <id> --reason <text>",
      "tessera admin groups list",
      "tessera admin groups create <path>",
      "tessera admin groups delete <path>",
      "tessera admin groups members <path>",
      "tessera admin groups add <path> <user>",
      "tessera admin groups remove <path> <user>",
      "tessera admin groups requests <path>",
      "tessera admin groups approve-request <id>",
      "tessera admin groups reject-request <id> --reason <text>",
      "tessera admin clients list",
      "tessera admin clients show <id>",
      "tessera admin clients create --name <name> --grant <type> --scope <scope>",
      "tessera admin clients delete <id>",
      "tessera admin clients rotate-secret <id>",
      "tessera admin policies list",
      "tessera admin policies create --rule <rule> --scope <scope>",
      "tessera admin policies delete <id>",
      "tessera admin policies explain <user> <scope...>",
      "tessera admin keys list",
      "tessera admin keys rotate",
      "tessera admin audit",
      "tessera admin aup show",
      "tessera admin aup set --text-file <file> --validity-days <n>",
    ]) {
      expect(run.stdout).toContain(`  ${line}\n`);
    }
    expect(run.stdout).toContain("TESSERA_ADMIN_TOKEN");
    expect(run.stdout).toContain("iam:admin.read iam:admin.write");
    expect(run.stdout).toMatch(/^ {2}3 {2}authentication/m);
    expect(run.stdout).toMatch(/^ {2}2 {2}usage/m);
  });

  test("tessera --help documents the exit codes; a leaf command's help shows its options", async () => {
    const ctx = testContext(home.path);
    expect(await runCli(["--help"], ctx)).toBe(0);
    expect(ctx.stdout.text).toContain("Exit codes:");
    expect(ctx.stdout.text).toMatch(/admin\s+administer a Tessera server/);
    const leaf = await admin(["clients", "create", "--help"]);
    expect(leaf.code).toBe(0);
    for (const flag of ["--grant <type>", "--redirect-uri <uri>", "--public", "--token <token>", "--json"]) {
      expect(leaf.stdout).toContain(flag);
    }
  });

  test("a missing argument or required option is a usage error: exit 2", async () => {
    const missing = await admin(["users", "show"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'user'");
    const noReason = await admin(["registrations", "reject", "some-id"]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("--reason");
    const badLimit = await admin(["users", "list", "--limit", "zero"]);
    expect(badLimit.code).toBe(2);
    const badDate = await admin(["users", "expire", "admin", "next tuesday"]);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toBe(
      'tessera: "next tuesday" is not a date: use YYYY-MM-DD, an ISO 8601 date-time, or never\n',
    );
    const bare = await admin([]);
    expect(bare.code).toBe(2);
  });
});

describe("users", () => {
  test("create, list (table and JSON), show", async () => {
    const created = await admin(
      [
        "users",
        "create",
        "--username",
        "alice",
        "--name",
        "Alice Example",
        "--email",
        "alice@example.org",
        "--password-stdin",
      ],
      {},
      { stdin: `${ALICE_PASSWORD}\n` },
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Created user alice \(.+\)\.\n$/);
    for (const name of ["bob", "carol"]) {
      const r = await admin([
        "users",
        "create",
        "--username",
        name,
        "--name",
        name,
        "--email",
        `${name}@example.org`,
      ]);
      expect(r.code, r.stderr).toBe(0);
    }

    const list = await admin(["users", "list"]);
    expect(list.code).toBe(0);
    const [header] = list.stdout.split("\n");
    expect(header).toMatch(/^USERNAME +NAME +EMAIL +STATUS +ADMIN +ENDS +ID$/);
    expect(row(list.stdout, "alice")?.slice(0, 6)).toEqual([
      "alice",
      "Alice Example",
      "alice@example.org",
      "active",
      "no",
      "-",
    ]);
    expect(row(list.stdout, "admin")?.[4]).toBe("yes");
    // Columns are aligned: every row's EMAIL starts where the header's does.
    const at = header?.indexOf("EMAIL");
    for (const line of list.stdout.trim().split("\n").slice(1)) expect(line[(at ?? 0) - 1]).toBe(" ");

    const json = await admin(["users", "list", "--json"]);
    expect(json.json().items.map((a) => a.username)).toEqual(
      expect.arrayContaining(["admin", "alice", "bob", "carol"]),
    );

    const show = await admin(["users", "show", "alice"]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^Username: +alice$/m);
    expect(show.stdout).toMatch(/^Status: +active$/m);
    const id = json.json().items.find((a) => a.username === "alice")?.id as string;
    const byId = await admin(["users", "show", id, "--json"]);
    expect(byId.json()).toMatchObject({ id, username: "alice", email: "alice@example.org" });
  });

  test("--limit shows one page and says there is more; --all follows the cursor", async () => {
    const one = await admin(["users", "list", "--limit", "1"]);
    expect(one.code).toBe(0);
    expect(one.stdout.trim().split("\n")).toHaveLength(2);
    expect(one.stderr).toContain("use --all");
    const two = await admin(["users", "list", "--limit", "2", "--json"]);
    expect(two.json().items).toHaveLength(2);
    expect(typeof two.json().next).toBe("string");
    const all = await admin(["users", "list", "--all", "--json"]);
    expect(all.json().items.length).toBeGreaterThanOrEqual(4);
    expect(all.json().next).toBeUndefined();
  });

  test("suspend, activate, expire, grant and revoke the administrator role", async () => {
    const status = async () => (await admin(["users", "show", "bob", "--json"])).json();
    const suspended = await admin(["users", "suspend", "bob"]);
    expect(suspended.code, suspended.stderr).toBe(0);
    expect(suspended.stdout).toBe("Suspended bob.\n");
    expect((await status()).status).toBe("suspended");
    expect((await admin(["users", "activate", "bob"])).code).toBe(0);
    expect((await status()).status).toBe("active");

    const expire = await admin(["users", "expire", "bob", "2031-01-15"]);
    expect(expire.code, expire.stderr).toBe(0);
    expect(expire.stdout).toBe("bob ends at 2031-01-15T00:00:00.000Z.\n");
    expect((await status()).ends_at).toBe("2031-01-15T00:00:00.000Z");
    expect((await admin(["users", "expire", "bob", "never"])).code).toBe(0);
    expect((await status()).ends_at).toBeNull();

    expect((await admin(["users", "grant-admin", "bob"])).code).toBe(0);
    expect((await status()).is_admin).toBe(true);
    const revoked = await admin(["users", "revoke-admin", "bob", "--json"]);
    expect(revoked.json()).toMatchObject({ username: "bob", is_admin: false });
  });

  test("an unknown user: exit 1 and one clear line", async () => {
    const run = await admin(["users", "suspend", "nobody"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`tessera: no user "nobody" at ${server.url}\n`);
    expect(run.stdout).toBe("");
  });

  test("the server's refusal is one line from the problem JSON", async () => {
    const run = await admin([
      "users",
      "create",
      "--username",
      "alice",
      "--name",
      "A",
      "--email",
      "a@example.org",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("tessera: that username is taken\n");
  });
});

describe("authentication problems: exit 3 with a hint", () => {
  test("a bad --token", async () => {
    const run = await admin(["users", "list", "--token", "wrong"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      "tessera: not authorized: the access token is invalid, expired or revoked; check --token\n",
    );
  });

  test("a bad $TESSERA_ADMIN_TOKEN", async () => {
    const run = await admin(["users", "list"], { TESSERA_ADMIN_TOKEN: "wrong" });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("check $TESSERA_ADMIN_TOKEN");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("no token and no cached account", async () => {
    const empty = await tempHome();
    try {
      const run = await admin(["users", "list"], { TESSERA_ADMIN_TOKEN: undefined }, { home: empty.path });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain("not logged in to");
      expect(run.stderr).toContain(
        'tessera login --scope "openid profile email offline_access iam:admin.read iam:admin.write"',
      );
    } finally {
      await empty.cleanup();
    }
  });

  test("an unreachable server: exit 1", async () => {
    const run = await admin(["users", "list", "--issuer", "http://127.0.0.1:9"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^tessera: cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});

describe("with the cached account's access token", () => {
  /** A cache with one default account holding this access token (as `tessera login` leaves it). */
  async function cachedAccount(scope: string) {
    const dir = await tempHome();
    const token = await passwordGrant(server, passwordClient, "admin", ADMIN_PASSWORD, scope);
    const cache = createTokenCache(join(dir.path, "config", "tessera"));
    const now = Math.floor(Date.now() / 1000);
    const entry: AccountEntry = {
      version: 1,
      account: "tessera-admin",
      issuer: server.url,
      client: { clientId: passwordClient.id, dynamic: false },
      accessToken: { token: token.access_token, issuedAt: now, expiresAt: now + token.expires_in, scope },
      scopedTokens: {},
    };
    await cache.write(entry);
    await cache.setDefault("tessera-admin");
    return dir;
  }
  const noEnv = { TESSERA_ADMIN_TOKEN: undefined, TESSERA_ISSUER: undefined };

  test("an administrator's token with iam:admin.read and iam:admin.write works", async () => {
    const dir = await cachedAccount("openid iam:admin.read iam:admin.write");
    try {
      const run = await admin(["users", "list"], noEnv, { home: dir.path });
      expect(run.code, run.stderr).toBe(0);
      expect(row(run.stdout, "admin")).toBeDefined();
      const write = await admin(["groups", "create", "/cached"], noEnv, { home: dir.path });
      expect(write.code, write.stderr).toBe(0);
    } finally {
      await dir.cleanup();
    }
  });

  test("a token without the admin scopes: exit 3 and the scopes to ask for", async () => {
    const dir = await cachedAccount("openid");
    try {
      const run = await admin(["users", "list"], noEnv, { home: dir.path });
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        'tessera: not allowed: the access token needs the scope iam:admin.read; log in with the administrator scopes: tessera login --scope "openid profile email offline_access iam:admin.read iam:admin.write"\n',
      );
    } finally {
      await dir.cleanup();
    }
  });

  test("membership requests: listed with the requester's username, approved with an account's token", async () => {
    const dir = await cachedAccount("openid iam:admin.read iam:admin.write");
    try {
      expect((await admin(["groups", "create", "/cms"])).code).toBe(0);
      const cms = (await admin(["groups", "list", "--json"])).json().items.find((g) => g.name === "/cms");
      const alice = await passwordGrant(server, passwordClient, "alice", ALICE_PASSWORD, "openid");
      const asked = await fetch(`${server.url}/api/v1/me/group-requests`, {
        method: "POST",
        headers: { authorization: `Bearer ${alice.access_token}`, "content-type": "application/json" },
        body: JSON.stringify({ group_id: cms?.id, motivation: "analysis" }),
      });
      expect(asked.status).toBe(201);
      const requestId = ((await asked.json()) as { id: string }).id;

      const listed = await admin(["groups", "requests", "/cms"]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout.split("\n")[0]).toMatch(/^ID +USER +STATUS +CREATED +MOTIVATION$/);
      expect(row(listed.stdout, requestId)?.slice(1, 3)).toEqual(["alice", "pending"]);

      // The bootstrap token has no account to decide as: the server says so, in one line.
      const refused = await admin(["groups", "approve-request", requestId]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe("tessera: the bootstrap token has no account of its own\n");

      const approved = await admin(["groups", "approve-request", requestId], noEnv, { home: dir.path });
      expect(approved.code, approved.stderr).toBe(0);
      expect(approved.stdout).toBe(`Approved request ${requestId}.\n`);
      expect(row((await admin(["groups", "members", "/cms"])).stdout, "alice")).toBeDefined();
      const pending = await admin(["groups", "requests", "/cms", "--status", "pending", "--json"]);
      expect(pending.json().items).toEqual([]);
    } finally {
      await dir.cleanup();
    }
  });
});

describe("registrations", () => {
  test("an empty list still has its header; --json parses", async () => {
    const run = await admin(["registrations", "list", "--status", "pending"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ID +USERNAME +NAME +EMAIL +STATUS +CREATED +NOTES\n$/);
    expect(run.stderr).toBe("No registrations.\n");
    expect((await admin(["registrations", "list", "--json"])).json()).toEqual({ items: [] });
  });

  test("approving an unknown registration fails with the server's reason", async () => {
    const run = await admin(["registrations", "approve", "does-not-exist"]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^tessera: /);
  });
});

describe("groups", () => {
  test("create, list, add, members, requests, remove, delete", async () => {
    expect((await admin(["groups", "create", "/atlas", "--description", "ATLAS"])).code).toBe(0);
    const sub = await admin(["groups", "create", "/atlas/production", "--optional", "--json"]);
    expect(sub.code, sub.stderr).toBe(0);
    expect(sub.json()).toMatchObject({ name: "/atlas/production", optional: true });

    const list = await admin(["groups", "list"]);
    expect(list.stdout.split("\n")[0]).toMatch(/^PATH +OPTIONAL +DESCRIPTION +ID$/);
    expect(row(list.stdout, "/atlas")?.slice(0, 3)).toEqual(["/atlas", "no", "ATLAS"]);
    expect(row(list.stdout, "/atlas/production")?.slice(0, 3)).toEqual(["/atlas/production", "yes", "-"]);

    const added = await admin(["groups", "add", "/atlas", "alice", "--manager", "--until", "2031-06-30"]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe("alice is a manager of /atlas until 2031-06-30T00:00:00.000Z.\n");
    expect((await admin(["groups", "add", "/atlas", "carol"])).code).toBe(0);

    const members = await admin(["groups", "members", "/atlas"]);
    expect(members.stdout.split("\n")[0]).toMatch(/^USERNAME +MANAGER +UNTIL +SINCE +ACCOUNT ID$/);
    expect(row(members.stdout, "alice")?.slice(0, 3)).toEqual(["alice", "yes", "2031-06-30T00:00:00.000Z"]);
    expect(row(members.stdout, "carol")?.slice(0, 3)).toEqual(["carol", "no", "-"]);

    const requests = await admin(["groups", "requests", "/atlas"]);
    expect(requests.code).toBe(0);
    expect(requests.stderr).toBe("No requests.\n");

    const removed = await admin(["groups", "remove", "/atlas", "carol"]);
    expect(removed.stdout).toBe("Removed carol from /atlas.\n");
    const after = (await admin(["groups", "members", "/atlas", "--json"])).json();
    expect(after.items.map((m) => m.username)).toEqual(["alice"]);

    expect((await admin(["groups", "delete", "/atlas/production"])).code).toBe(0);
    const missing = await admin(["groups", "members", "/atlas/production"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`tessera: no group "/atlas/production" at ${server.url}\n`);
  });
});

describe("clients", () => {
  test("create shows the secret once; show, rotate-secret, delete", async () => {
    const created = await admin([
      "clients",
      "create",
      "--name",
      "FTS",
      "--grant",
      "client_credentials",
      "--scope",
      "storage.read:/cms",
      "--scope",
      "storage.modify:/cms/store",
      "--client-id",
      "fts-cli-test",
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain("Created client fts-cli-test (FTS).");
    expect(created.stdout).toContain("shown only this once");
    const secret = /\n {4}(\S+)\n/.exec(created.stdout)?.[1] as string;
    expect(secret.length).toBeGreaterThan(20);

    const grant = async (s: string) =>
      (
        await fetch(`${server.url}/token`, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            authorization: `Basic ${Buffer.from(`fts-cli-test:${s}`).toString("base64")}`,
          },
          body: "grant_type=client_credentials",
        })
      ).status;
    expect(await grant(secret)).toBe(200);

    const show = await admin(["clients", "show", "fts-cli-test"]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^Client ID: +fts-cli-test$/m);
    expect(show.stdout).toMatch(/^Scope: +storage\.read:\/cms storage\.modify:\/cms\/store$/m);
    expect(show.stdout).not.toContain(secret);

    const list = await admin(["clients", "list"]);
    expect(list.stdout.split("\n")[0]).toMatch(/^CLIENT ID +NAME +AUTH +GRANTS +SCOPE$/);
    expect(row(list.stdout, "fts-cli-test")?.[1]).toBe("FTS");

    const rotated = await admin(["clients", "rotate-secret", "fts-cli-test"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain("shown only this once");
    const fresh = /\n {4}(\S+)\n/.exec(rotated.stdout)?.[1] as string;
    expect(fresh).not.toBe(secret);
    expect(await grant(secret)).toBe(401);
    expect(await grant(fresh)).toBe(200);

    expect((await admin(["clients", "delete", "fts-cli-test"])).stdout).toBe(
      "Deleted client fts-cli-test.\n",
    );
    const gone = await admin(["clients", "show", "fts-cli-test"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe("tessera: no client fts-cli-test\n");
  });

  test("a public client has no secret; --json gives the API's answer", async () => {
    const run = await admin([
      "clients",
      "create",
      "--name",
      "notebook",
      "--grant",
      "authorization_code",
      "--grant",
      "refresh_token",
      "--scope",
      "openid profile",
      "--redirect-uri",
      "http://localhost:8888/callback",
      "--public",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const body = run.json();
    expect(body).toMatchObject({
      client_name: "notebook",
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      scope: "openid profile",
    });
    expect(body.client_secret).toBeUndefined();
    const rotate = await admin(["clients", "rotate-secret", body.client_id as string]);
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toBe("tessera: a client using none has no secret\n");
  });
});

describe("policies", () => {
  test("create for a user and a group, list, explain, delete", async () => {
    const deny = await admin([
      "policies",
      "create",
      "--rule",
      "deny",
      "--scope",
      "storage.modify:/cms",
      "--user",
      "alice",
      "--matching",
      "path",
      "--description",
      "read-only for alice",
      "--json",
    ]);
    expect(deny.code, deny.stderr).toBe(0);
    const policyId = deny.json().id as string;
    const permit = await admin([
      "policies",
      "create",
      "--rule",
      "permit",
      "--scope",
      "compute.read",
      "--group",
      "/atlas",
    ]);
    expect(permit.code, permit.stderr).toBe(0);
    expect(permit.stdout).toMatch(/^Created policy \S+: permit compute\.read\.\n$/);

    const list = await admin(["policies", "list"]);
    expect(list.stdout.split("\n")[0]).toMatch(
      /^ID +RULE +LEVEL +APPLIES TO +MATCHING +SCOPES +DESCRIPTION$/,
    );
    expect(row(list.stdout, policyId)?.slice(1)).toEqual([
      "deny",
      expect.any(String),
      "user alice",
      "path",
      "storage.modify:/cms",
      "read-only for alice",
    ]);
    expect(list.stdout).toContain("group /atlas");

    const explain = await admin([
      "policies",
      "explain",
      "alice",
      "storage.modify:/cms/data",
      "storage.read:/cms",
    ]);
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout.split("\n")[0]).toMatch(/^SCOPE +DECISION +LEVEL +POLICY +REASON$/);
    expect(row(explain.stdout, "storage.modify:/cms/data")?.[1]).toBe("deny");
    expect(row(explain.stdout, "storage.modify:/cms/data")).toContain(policyId);
    expect(row(explain.stdout, "storage.read:/cms")?.[1]).toBe("permit");
    const json = await admin(["policies", "explain", "alice", "storage.modify:/cms/data", "--json"]);
    expect(json.json()).toMatchObject({
      username: "alice",
      decisions: [{ permitted: false, policy_id: policyId }],
    });

    expect((await admin(["policies", "delete", policyId])).code).toBe(0);
    expect((await admin(["policies", "list"])).stdout).not.toContain(policyId);

    const both = await admin([
      "policies",
      "create",
      "--rule",
      "deny",
      "--scope",
      "x",
      "--user",
      "a",
      "--group",
      "/g",
    ]);
    expect(both.code).toBe(2);
  });
});

describe("keys and audit", () => {
  test("keys list and rotate", async () => {
    const list = await admin(["keys", "list"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^KID +ALG +STATE +SIGNS FROM +SIGNS UNTIL +PUBLISHED UNTIL$/);
    expect(list.stdout).toContain("signing");
    const rotated = await admin(["keys", "rotate", "--json"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const kid = rotated.json().kid as string;
    const keys = (await admin(["keys", "list", "--json"])).json().items;
    expect(keys.find((k) => k.kid === kid)?.state).toBe("next");
    const immediate = await admin(["keys", "rotate", "--immediate"]);
    expect(immediate.stdout).toMatch(/^New RS256 key \S+, signing from \S+\.\n$/);
  });

  test("the audit trail, filtered by user and event", async () => {
    const all = await admin(["audit", "--limit", "5"]);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^AT +EVENT +RESULT +USER +METHOD +IP +REASON$/);
    expect(lines).toHaveLength(6);

    const updates = await admin(["audit", "--event", "account.updated", "--json", "--all"]);
    expect(updates.code, updates.stderr).toBe(0);
    const items = updates.json().items;
    expect(items.filter((e) => e.username === "bob").length).toBeGreaterThanOrEqual(6);
    expect(new Set(items.map((e) => e.event))).toEqual(new Set(["account.updated"]));

    // --user: the events of that account (its sign-ins and token grants, the changes it made).
    const adminId = (await admin(["users", "show", "admin", "--json"])).json().id;
    const own = await admin(["audit", "--user", "admin", "--json", "--limit", "3"]);
    expect(own.code, own.stderr).toBe(0);
    expect(own.json().items.length).toBeGreaterThan(0);
    for (const event of own.json().items) expect(event.account_id).toBe(adminId);
    expect((await admin(["audit", "--user", "nobody"])).code).toBe(1);
  });
});

// Last: once an AUP is set, the token endpoint wants it signed before it issues tokens.
describe("acceptable use policy", () => {
  test("show before one is set, set from a file, show", async () => {
    const none = await admin(["aup", "show"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe("tessera: no acceptable use policy is set\n");

    const file = join(home.path, "aup.txt");
    await writeFile(file, "Use the resources for the collaboration's science only.\n");
    const set = await admin([
      "aup",
      "set",
      "--text-file",
      file,
      "--url",
      "https://example.org/aup",
      "--validity-days",
      "365",
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe("Acceptable use policy set (valid 365 days).\n");

    const show = await admin(["aup", "show"]);
    expect(show.stdout).toMatch(/^URL: +https:\/\/example\.org\/aup$/m);
    expect(show.stdout).toMatch(/^Validity: +365 days$/m);
    expect(show.stdout).toContain("\nUse the resources for the collaboration's science only.\n");
    expect((await admin(["aup", "show", "--json"])).json()).toMatchObject({ validity_days: 365 });

    const missing = await admin([
      "aup",
      "set",
      "--text-file",
      join(home.path, "nope.txt"),
      "--validity-days",
      "1",
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot read");
    const badDays = await admin(["aup", "set", "--text-file", file, "--validity-days", "-1"]);
    expect(badDays.code).toBe(2);
  });
});
