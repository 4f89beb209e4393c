import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { postForm } from "./support/oauth-client.js";
import { restApi } from "./support/rest-api.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
let server: TestServer;
let cli: { client_id: string; client_secret: string };
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer({ TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP });
  cli = (
    await api("POST", "/clients", {
      client_name: "policy cli",
      grant_types: ["password", "refresh_token"],
      token_endpoint_auth_method: "client_secret_post",
      scope:
        "openid offline_access storage.read:/ storage.modify:/ compute.read compute.create compute.cancel",
    })
  ).body as typeof cli;
  for (const name of ["alice", "bob", "pilot"]) {
    const account = await server.tessera.services.accounts.create({
      username: name,
      name,
      email: `${name}@example.org`,
      password: "a long enough password",
    });
    ids[name] = account.id;
  }
});
afterAll(() => server.close());

const api = restApi(() => server.url, BOOTSTRAP);

async function granted(username: string, scope: string) {
  const response = await postForm(`${server.url}/token`, {
    grant_type: "password",
    client_id: cli.client_id,
    client_secret: cli.client_secret,
    username,
    password: "a long enough password",
    scope,
  });
  expect(response.status).toBe(200);
  expect(decodeJwt(response.body.access_token as string).scope).toBe(response.body.scope);
  return response.body;
}

describe("scope policies (INDIGO IAM's model)", () => {
  test("with no policy every scope the client may have is granted", async () => {
    expect((await granted("alice", "storage.read:/ compute.create")).scope).toBe(
      "storage.read:/ compute.create",
    );
  });

  test("compute.* only for members of /wlcg/pilots (default deny, group permit)", async () => {
    const wlcg = (await api("POST", "/groups", { name: "/wlcg" })).body;
    const pilots = (await api("POST", "/groups", { name: "/wlcg/pilots" })).body;
    expect(wlcg.id).toBeTruthy();
    await api("PUT", `/groups/${pilots.id}/members/${ids.pilot}`, {});
    expect(
      (
        await api("POST", "/policies", {
          rule: "deny",
          scopes: ["compute\\..*"],
          matching: "regex",
          description: "no compute by default",
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api("POST", "/policies", {
          rule: "permit",
          group_id: pilots.id,
          scopes: ["compute\\..*"],
          matching: "regex",
          description: "pilots compute",
        })
      ).status,
    ).toBe(201);
    expect((await granted("pilot", "openid compute.create compute.read")).scope).toBe(
      "openid compute.create compute.read",
    );
    expect((await granted("bob", "openid compute.create compute.read")).scope).toBe("openid");
  });

  test("paths: storage.read:/cms covers /cms/data, never /; {username} is substituted; modify implies create", async () => {
    await api("POST", "/policies", {
      rule: "deny",
      scopes: ["storage\\..*"],
      matching: "regex",
      description: "no storage by default",
    });
    await api("POST", "/policies", {
      rule: "permit",
      account_id: ids.alice,
      scopes: ["storage.read:/cms", "storage.modify:/cms/store/user/{username}"],
      matching: "path",
      description: "alice's storage",
    });
    const alice = await granted(
      "alice",
      "storage.read:/cms/data storage.read:/ storage.modify:/cms/store/user/alice/run1 storage.create:/cms/store/user/alice storage.modify:/cms/store/user/bob",
    );
    expect(alice.scope).toBe(
      "storage.read:/cms/data storage.modify:/cms/store/user/alice/run1 storage.create:/cms/store/user/alice",
    );
    expect((await granted("bob", "openid storage.read:/cms")).scope).toBe("openid");
  });

  test("account rules come before group rules; within a level deny wins", async () => {
    const cms = (await api("POST", "/groups", { name: "/cms" })).body;
    await api("PUT", `/groups/${cms.id}/members/${ids.bob}`, {});
    await api("POST", "/policies", {
      rule: "permit",
      group_id: cms.id,
      scopes: ["storage.read:/cms"],
      matching: "path",
    });
    expect((await granted("bob", "storage.read:/cms/x")).scope).toBe("storage.read:/cms/x");
    await api("POST", "/policies", {
      rule: "deny",
      account_id: ids.bob,
      scopes: ["storage.read:/cms/secret"],
      matching: "path",
    });
    expect((await granted("bob", "storage.read:/cms/x storage.read:/cms/secret/y")).scope).toBe(
      "storage.read:/cms/x",
    );
    await api("POST", "/policies", {
      rule: "deny",
      group_id: cms.id,
      scopes: ["storage.read:/cms/x"],
      matching: "exact",
    });
    expect((await granted("bob", "storage.read:/cms/x storage.read:/cms/y")).scope).toBe(
      "storage.read:/cms/y",
    );
  });

  test("explain says why; users list what applies to them", async () => {
    const explained = await api(
      "GET",
      `/policies/explain?account_id=${ids.bob}&scope=${encodeURIComponent("storage.read:/cms/y storage.read:/atlas openid")}`,
    );
    const decisions = explained.body.decisions as {
      scope: string;
      permitted: boolean;
      level: string | null;
      reason: string;
    }[];
    expect(decisions.map((d) => [d.scope, d.permitted, d.level])).toEqual([
      ["storage.read:/cms/y", true, "group"],
      ["storage.read:/atlas", false, "default"],
      ["openid", true, null],
    ]);
    expect(decisions[1]?.reason).toContain("no storage by default");

    const tokens = await granted("bob", "openid");
    const mine = await fetch(`${server.url}/api/v1/me/scopes?scope=compute.create`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const body = (await mine.json()) as {
      policies: { level: string }[];
      decisions: { permitted: boolean }[];
    };
    expect(body.policies.map((p) => p.level)).toEqual(
      expect.arrayContaining(["account", "group", "default"]),
    );
    expect(body.decisions[0]?.permitted).toBe(false);
  });

  test("a policy added later narrows the next refresh", async () => {
    const first = await granted("pilot", "openid offline_access compute.read compute.cancel");
    expect(first.scope).toBe("openid offline_access compute.read compute.cancel");
    await api("POST", "/policies", {
      rule: "deny",
      account_id: ids.pilot,
      scopes: ["compute.cancel"],
      matching: "exact",
    });
    const refreshed = await postForm(`${server.url}/token`, {
      grant_type: "refresh_token",
      client_id: cli.client_id,
      client_secret: cli.client_secret,
      refresh_token: first.refresh_token as string,
    });
    expect(refreshed.body.scope).toBe("openid offline_access compute.read");
  });

  test("bad policies are refused with problem JSON; changes are audited", async () => {
    const cases: unknown[] = [
      { rule: "permit", scopes: ["(unclosed"], matching: "regex" },
      { rule: "permit", scopes: ["storage.read"], matching: "exact" },
      { rule: "permit", scopes: [], matching: "exact" },
      { rule: "allow", scopes: ["openid"], matching: "exact" },
      { rule: "permit", account_id: ids.bob, group_id: "g", scopes: ["openid"], matching: "exact" },
    ];
    for (const body of cases)
      expect((await api("POST", "/policies", body)).status, JSON.stringify(body)).toBe(400);
    const created = await api("POST", "/policies", { rule: "permit", scopes: ["openid"], matching: "exact" });
    expect(
      (
        await api("PUT", `/policies/${created.body.id}`, {
          rule: "deny",
          scopes: ["openid"],
          matching: "exact",
        })
      ).body,
    ).toMatchObject({ rule: "deny" });
    expect((await api("DELETE", `/policies/${created.body.id}`)).status).toBe(204);
    expect((await api("DELETE", `/policies/${created.body.id}`)).status).toBe(404);
    const audit = await api("GET", "/audit?limit=500");
    const events = (audit.body.items as { event: string }[]).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(["policy.created", "policy.updated", "policy.deleted"]));
  });
});
