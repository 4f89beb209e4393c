import { readFileSync } from "node:fs";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { postForm } from "./support/oauth-client.js";
import { restApi } from "./support/rest-api.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
const vectors = JSON.parse(
  readFileSync(new URL("../../../../shared/vectors/wlcg-profile.json", import.meta.url), "utf8"),
) as {
  groupSelection: {
    memberships: { group: string; optional: boolean }[];
    cases: { scope: string; claim: string[] | null }[];
  };
};

let server: TestServer;
let cli: { client_id: string; client_secret: string };

beforeAll(async () => {
  server = await startTestServer({ TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP });
  cli = (
    await api("POST", "/clients", {
      client_name: "groups cli",
      grant_types: ["password"],
      token_endpoint_auth_method: "client_secret_post",
      scope: "openid profile wlcg.groups",
    })
  ).body as typeof cli;
});
afterAll(() => server.close());

const api = restApi(() => server.url, BOOTSTRAP);

async function user(username: string) {
  const account = await server.tessera.services.accounts.create({
    username,
    name: username,
    email: `${username}@example.org`,
    password: "a long enough password",
  });
  return account;
}

async function userToken(username: string, scope: string) {
  const response = await postForm(`${server.url}/token`, {
    grant_type: "password",
    client_id: cli.client_id,
    client_secret: cli.client_secret,
    username,
    password: "a long enough password",
    scope,
  });
  return response.body;
}

/** The REST API as a signed-in user (session cookie and CSRF token). */
async function asUser(username: string) {
  const browser = createBrowser(server.url);
  await browser.login(username, "a long enough password");
  const csrf = await browser.csrfFrom("/");
  return (method: string, path: string, body?: unknown) =>
    browser
      .request(`/api/v1${path}`, {
        method,
        headers: {
          accept: "application/json",
          "x-csrf-token": csrf,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      .then(async (r) => ({
        status: r.status,
        body: (r.status === 204 ? null : await r.json()) as Record<string, unknown>,
      }));
}

async function group(name: string, optional = false) {
  const response = await api("POST", "/groups", { name, optional });
  expect(response.status, name).toBe(201);
  return response.body as { id: string; name: string };
}

describe("wlcg.groups in issued tokens (the shared vectors, end to end)", () => {
  test.each(vectors.groupSelection.cases)("$scope", async ({ scope, claim }) => {
    if (!(await server.tessera.services.groups.findByName("/cms"))) {
      const alice = await user("vector-alice");
      for (const m of vectors.groupSelection.memberships) {
        const g = await group(m.group, m.optional);
        expect((await api("PUT", `/groups/${g.id}/members/${alice.id}`, {})).status).toBe(200);
      }
    }
    const tokens = await userToken("vector-alice", scope);
    const access = decodeJwt(tokens.access_token as string);
    if (claim === null) expect(access["wlcg.groups"]).toBeUndefined();
    else expect(access["wlcg.groups"]).toEqual(claim);
    if (scope.includes("openid") && claim !== null)
      expect(decodeJwt(tokens.id_token as string)["wlcg.groups"]).toEqual(claim);
  });
});

describe("groups", () => {
  test("names are WLCG group paths; parents must exist; a parent with children cannot go", async () => {
    expect((await api("POST", "/groups", { name: "atlas" })).body).toMatchObject({
      status: 400,
      code: "invalid_group_name",
    });
    expect((await api("POST", "/groups", { name: "/atlas/de" })).body).toMatchObject({
      status: 400,
      code: "no_parent",
    });
    const atlas = await group("/atlas");
    const de = await group("/atlas/de");
    expect(de).toMatchObject({ name: "/atlas/de" });
    expect((await api("POST", "/groups", { name: "/atlas" })).status).toBe(409);
    expect((await api("DELETE", `/groups/${atlas.id}`)).status).toBe(409);
    expect((await api("DELETE", `/groups/${de.id}`)).status).toBe(204);
    expect((await api("DELETE", `/groups/${atlas.id}`)).status).toBe(204);
    expect((await api("GET", `/groups/${atlas.id}`)).status).toBe(404);
  });

  test("request, manager approval, membership in tokens; rejection with a reason; withdrawal", async () => {
    const lhcb = await group("/lhcb");
    const manager = await user("mia");
    const applicant = await user("noah");
    expect(applicant.status).toBe("active");
    await api("PUT", `/groups/${lhcb.id}/members/${manager.id}`, { manager: true });

    const noah = await asUser("noah");
    const mia = await asUser("mia");

    const created = await noah("POST", "/me/group-requests", {
      group_id: lhcb.id,
      motivation: "I analyse B decays",
    });
    expect(created.status).toBe(201);
    expect(
      (await noah("POST", "/me/group-requests", { group_id: lhcb.id, motivation: "again" })).status,
    ).toBe(409);
    // A plain member cannot see or decide requests.
    expect((await noah("GET", `/groups/${lhcb.id}/requests`)).status).toBe(403);
    expect((await noah("POST", `/group-requests/${created.body.id}/approve`, {})).status).toBe(403);

    const pending = await mia("GET", `/groups/${lhcb.id}/requests?status=pending`);
    expect((pending.body.items as unknown[]).length).toBe(1);
    const approved = await mia("POST", `/group-requests/${created.body.id}/approve`, {});
    expect(approved.body).toMatchObject({ status: "approved", decided_by: manager.id });
    expect((await mia("POST", `/group-requests/${created.body.id}/reject`, { reason: "late" })).status).toBe(
      409,
    );
    expect(
      decodeJwt((await userToken("noah", "openid wlcg.groups")).access_token as string)["wlcg.groups"],
    ).toEqual(["/lhcb"]);
    const mine = await noah("GET", "/me/groups");
    expect((mine.body.items as { group: { name: string } }[]).map((i) => i.group.name)).toEqual(["/lhcb"]);

    // Managers create subgroups of their group, but not top-level groups.
    expect((await mia("POST", "/groups", { name: "/lhcb/rich" })).status).toBe(201);
    expect((await mia("POST", "/groups", { name: "/lhcb-outsiders" })).status).toBe(403);
    expect((await noah("POST", "/groups", { name: "/lhcb/noah" })).status).toBe(403);

    // Managers manage members but do not appoint managers.
    const other = await user("olga");
    expect((await mia("PUT", `/groups/${lhcb.id}/members/${other.id}`, { manager: true })).status).toBe(403);
    expect((await mia("PUT", `/groups/${lhcb.id}/members/${other.id}`, {})).status).toBe(200);
    expect((await mia("DELETE", `/groups/${lhcb.id}/members/${other.id}`)).status).toBe(204);

    const second = await group("/lhcb/velo");
    const olga = await asUser("olga");
    const rejected = await olga("POST", "/me/group-requests", { group_id: second.id, motivation: "please" });
    const decided = await api("POST", `/group-requests/${rejected.body.id}/reject`, {
      reason: "not in the collaboration",
    });
    expect(decided.status).toBe(400); // the bootstrap token has no account to decide as
    await api("PUT", `/groups/${second.id}/members/${manager.id}`, { manager: true });
    expect(
      (
        await mia("POST", `/group-requests/${rejected.body.id}/reject`, {
          reason: "not in the collaboration",
        })
      ).body,
    ).toMatchObject({
      status: "rejected",
      reason: "not in the collaboration",
    });
    server.clock.advance(1000);
    const withdrawn = await olga("POST", "/me/group-requests", {
      group_id: second.id,
      motivation: "try again",
    });
    expect((await olga("DELETE", `/me/group-requests/${withdrawn.body.id}`)).status).toBe(204);
    expect(
      ((await olga("GET", "/me/group-requests")).body.items as { status: string }[]).map((r) => r.status),
    ).toEqual(["rejected", "withdrawn"]);
  });

  test("a membership with an end date lapses, and with it the group claim", async () => {
    const cta = await group("/cta");
    const member = await user("pia");
    const endsAt = new Date(server.clock.now() + 3_600_000).toISOString();
    expect(
      (await api("PUT", `/groups/${cta.id}/members/${member.id}`, { ends_at: endsAt })).body,
    ).toMatchObject({ ends_at: endsAt });
    expect(
      decodeJwt((await userToken("pia", "openid wlcg.groups")).access_token as string)["wlcg.groups"],
    ).toEqual(["/cta"]);
    server.clock.advance(3_600_001);
    expect(
      decodeJwt((await userToken("pia", "openid wlcg.groups")).access_token as string)["wlcg.groups"],
    ).toEqual([]);
  });

  test("lists page by name and bad input is problem JSON", async () => {
    const first = await api("GET", "/groups?limit=2");
    expect((first.body.items as unknown[]).length).toBe(2);
    const next = await api("GET", `/groups?limit=2&after=${encodeURIComponent(first.body.next as string)}`);
    const names = [
      ...(first.body.items as { name: string }[]),
      ...(next.body.items as { name: string }[]),
    ].map((g) => g.name);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
    expect((await api("POST", "/groups", { name: 5 })).status).toBe(400);
    expect((await api("PUT", "/groups/nope/members/nobody", {})).status).toBe(404);
    expect((await api("PUT", "/groups/nope/members/nobody", { ends_at: "tomorrow" })).status).toBe(400);
  });
});

describe("managers add members by username", () => {
  test("a manager adds by username with an end date; unknown names are 404; only administrators appoint managers", async () => {
    const alice = await group("/alice-lab");
    const boss = await user("lab-boss");
    const newcomer = await user("lab-newcomer");
    await user("lab-outsider");
    await api("PUT", `/groups/${alice.id}/members/${boss.id}`, { manager: true });
    const asBoss = await asUser("lab-boss");

    const added = await asBoss("POST", `/groups/${alice.id}/members`, {
      username: " Lab-Newcomer ",
      ends_at: "2031-01-31T23:59:59.000Z",
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({
      account_id: newcomer.id,
      username: "lab-newcomer",
      manager: false,
      ends_at: "2031-01-31T23:59:59.000Z",
    });
    const members = await asBoss("GET", `/groups/${alice.id}/members`);
    expect((members.body.items as { username: string }[]).map((m) => m.username).sort()).toEqual([
      "lab-boss",
      "lab-newcomer",
    ]);

    const unknown = await asBoss("POST", `/groups/${alice.id}/members`, { username: "nobody-here" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.type ?? unknown.body.title).toBeTruthy();
    const appoint = await asBoss("POST", `/groups/${alice.id}/members`, {
      username: "lab-outsider",
      manager: true,
    });
    expect(appoint.status).toBe(403);
    const asOutsider = await asUser("lab-outsider");
    const notManager = await asOutsider("POST", `/groups/${alice.id}/members`, { username: "lab-outsider" });
    expect(notManager.status).toBe(403);
    expect((await api("POST", `/groups/${alice.id}/members`, { username: "" })).status).toBe(400);
  });
});

describe("moving groups and reading who is who", () => {
  test("a move renames the group and its subgroups; memberships follow by id", async () => {
    const cms = await group("/hep");
    const wrong = await group("/cms-trigger");
    const l1 = await group("/cms-trigger/l1");
    const hlt = await group("/cms-trigger/l1/hlt_test");
    // A sibling whose name shares the prefix must not be renamed with the subtree.
    const sibling = await group("/cms-trigger-ops");
    const member = await user("quinn");
    await api("PUT", `/groups/${l1.id}/members/${member.id}`, {});

    const moved = await api("PATCH", `/groups/${wrong.id}`, { parent_id: cms.id, description: "moved" });
    expect(moved.body).toMatchObject({
      id: wrong.id,
      name: "/hep/cms-trigger",
      parent_id: cms.id,
      description: "moved",
    });
    expect((await api("GET", `/groups/${l1.id}`)).body).toMatchObject({ name: "/hep/cms-trigger/l1" });
    expect((await api("GET", `/groups/${hlt.id}`)).body).toMatchObject({
      name: "/hep/cms-trigger/l1/hlt_test",
    });
    expect((await api("GET", `/groups/${sibling.id}`)).body).toMatchObject({ name: "/cms-trigger-ops" });
    expect(
      decodeJwt((await userToken("quinn", "openid wlcg.groups")).access_token as string)["wlcg.groups"],
    ).toEqual(["/hep/cms-trigger/l1"]);

    // Under itself or its subgroups: refused; to a taken name: refused and nothing renamed.
    expect((await api("PATCH", `/groups/${wrong.id}`, { parent_id: hlt.id })).body).toMatchObject({
      status: 400,
      code: "invalid_move",
    });
    expect((await api("PATCH", `/groups/${wrong.id}`, { parent_id: wrong.id })).body).toMatchObject({
      code: "invalid_move",
    });
    expect((await api("PATCH", `/groups/${wrong.id}`, { parent_id: "nope" })).body).toMatchObject({
      status: 400,
      code: "no_parent",
    });
    const clash = await group("/l1");
    expect((await api("PATCH", `/groups/${l1.id}`, { parent_id: null })).body).toMatchObject({
      status: 409,
      code: "conflict",
    });
    expect((await api("GET", `/groups/${hlt.id}`)).body).toMatchObject({
      name: "/hep/cms-trigger/l1/hlt_test",
    });
    expect((await api("DELETE", `/groups/${clash.id}`)).status).toBe(204);

    // Back to the top: the whole subtree follows.
    expect((await api("PATCH", `/groups/${l1.id}`, { parent_id: null })).body).toMatchObject({
      name: "/l1",
      parent_id: null,
    });
    expect((await api("GET", `/groups/${hlt.id}`)).body).toMatchObject({
      name: "/l1/hlt_test",
      parent_id: l1.id,
    });
    expect((await api("PATCH", `/groups/${l1.id}`, { parent_id: 7 })).status).toBe(400);
  });

  test("requests and members carry usernames and display names; an account's groups for administrators", async () => {
    const alice = await server.tessera.services.accounts.create({
      username: "ruth",
      name: "Ruth Benerito",
      email: "ruth@example.org",
      password: "a long enough password",
    });
    const atlas = await group("/atlas-names");
    const browser = createBrowser(server.url);
    await browser.login("ruth", "a long enough password");
    const csrf = await browser.csrfFrom("/");
    const asked = await browser.request("/api/v1/me/group-requests", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf, accept: "application/json" },
      body: JSON.stringify({ group_id: atlas.id, motivation: "names please" }),
    });
    expect(asked.status).toBe(201);
    const pending = await api("GET", `/groups/${atlas.id}/requests?status=pending`);
    expect(pending.body.items).toEqual([
      expect.objectContaining({ account_id: alice.id, username: "ruth", display_name: "Ruth Benerito" }),
    ]);

    const endsAt = new Date(server.clock.now() + 86_400_000).toISOString();
    await api("PUT", `/groups/${atlas.id}/members/${alice.id}`, { ends_at: endsAt });
    expect((await api("GET", `/groups/${atlas.id}/members`)).body.items).toEqual([
      expect.objectContaining({ username: "ruth", display_name: "Ruth Benerito", ends_at: endsAt }),
    ]);
    const groupsOf = await api("GET", `/accounts/${alice.id}/groups`);
    expect(groupsOf.body.items).toEqual([
      expect.objectContaining({
        group_id: atlas.id,
        ends_at: endsAt,
        manager: false,
        group: expect.objectContaining({ name: "/atlas-names" }),
      }),
    ]);
    expect((await api("GET", "/accounts/nobody/groups")).body).toMatchObject({
      status: 404,
      code: "not_found",
    });
    // A plain member may not read someone's groups.
    const own = await browser.request(`/api/v1/accounts/${alice.id}/groups`, {
      headers: { accept: "application/json" },
    });
    expect(own.status).toBe(403);
    // An unknown account is a 404, not a foreign-key failure.
    expect((await api("PUT", `/groups/${atlas.id}/members/nobody`, {})).body).toMatchObject({
      status: 404,
      code: "not_found",
    });
  });
});
