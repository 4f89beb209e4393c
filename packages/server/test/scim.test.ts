import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { postForm } from "./support/oauth-client.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
const PASSWORD = "a long enough password";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";
let server: TestServer;
let cli: { client_id: string; client_secret: string };

type Body = Record<string, unknown>;

beforeAll(async () => {
  server = await startTestServer({ TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP });
  const response = await fetch(`${server.url}/api/v1/clients`, {
    method: "POST",
    headers: { authorization: `Bearer ${BOOTSTRAP}`, "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "scim cli",
      grant_types: ["password", "refresh_token"],
      token_endpoint_auth_method: "client_secret_post",
      scope: "openid offline_access wlcg.groups",
    }),
  });
  cli = (await response.json()) as typeof cli;
});
afterAll(() => server.close());

/** A SCIM client: application/scim+json both ways, the bootstrap token unless told otherwise. */
async function scim(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Body }> {
  const response = await fetch(`${server.url}/scim/v2${path}`, {
    method,
    headers: {
      authorization: `Bearer ${BOOTSTRAP}`,
      ...(body === undefined ? {} : { "content-type": "application/scim+json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  if (text) expect(response.headers.get("content-type")).toContain("application/scim+json");
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : null) as Body,
  };
}

function expectScimError(response: { status: number; body: Body }, status: number, scimType?: string) {
  expect(response.status).toBe(status);
  expect(response.body.schemas).toEqual([ERROR]);
  expect(response.body.status).toBe(String(status));
  if (scimType) expect(response.body.scimType).toBe(scimType);
  expect(typeof response.body.detail).toBe("string");
}

const newUser = (userName: string, extra: Body = {}) => ({
  schemas: [USER],
  userName,
  name: { givenName: userName[0]?.toUpperCase() + userName.slice(1), familyName: "Tester" },
  emails: [{ value: `${userName}@example.org`, type: "work", primary: true }],
  password: PASSWORD,
  ...extra,
});

const passwordTokens = (username: string, scope = "openid offline_access") =>
  postForm(`${server.url}/token`, {
    grant_type: "password",
    client_id: cli.client_id,
    client_secret: cli.client_secret,
    username,
    password: PASSWORD,
    scope,
  });

describe("SCIM discovery", () => {
  test("ServiceProviderConfig, ResourceTypes and Schemas", async () => {
    const config = await scim("GET", "/ServiceProviderConfig", undefined, { authorization: "" });
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({
      patch: { supported: true },
      filter: { supported: true },
      bulk: { supported: false },
    });
    const types = await scim("GET", "/ResourceTypes");
    expect((types.body.Resources as Body[]).map((t) => t.endpoint)).toEqual(["/Users", "/Groups"]);
    const schemas = await scim("GET", "/Schemas");
    expect(schemas.body.totalResults).toBe(2);
    expect((await scim("GET", `/Schemas/${USER}`)).body.id).toBe(USER);
    expectScimError(await scim("GET", "/Schemas/urn:nope"), 404);
  });
});

describe("SCIM authentication", () => {
  test("no credentials, a bad token, a non-administrator: 401/403 as SCIM errors", async () => {
    const none = await scim("GET", "/Users", undefined, { authorization: "" });
    expectScimError(none, 401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expectScimError(await scim("GET", "/Users", undefined, { authorization: "Bearer nope" }), 401);
    await server.tessera.services.accounts.create({
      username: "plain",
      name: "P",
      email: "p@example.org",
      password: PASSWORD,
    });
    const token = (await passwordTokens("plain", "openid")).body.access_token as string;
    expectScimError(await scim("GET", "/Users", undefined, { authorization: `Bearer ${token}` }), 403);
  });
});

describe("SCIM Users", () => {
  test("create, get, list with filters and paging, duplicate userName", async () => {
    const created = await scim("POST", "/Users", newUser("bjensen"));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.headers.get("location")).toBe(`${server.url}/scim/v2/Users/${id}`);
    expect(created.body).toMatchObject({
      schemas: [USER],
      userName: "bjensen",
      name: { formatted: "Bjensen Tester" },
      displayName: "Bjensen Tester",
      emails: [{ value: "bjensen@example.org", primary: true }],
      active: true,
      groups: [],
      meta: { resourceType: "User", location: `${server.url}/scim/v2/Users/${id}` },
    });
    expect(created.body.password).toBeUndefined();
    const version = (created.body.meta as Body).version as string;
    expect(version).toMatch(/^W\/"/);
    const got = await scim("GET", `/Users/${id}`);
    expect(got.headers.get("etag")).toBe(version);
    expect(got.body.id).toBe(id);
    // The password was stored (argon2id through the accounts service): the user can log in.
    expect((await passwordTokens("bjensen")).status).toBe(200);

    expectScimError(await scim("POST", "/Users", newUser("BJensen")), 409, "uniqueness");

    for (const name of ["carol", "dave", "erin"])
      expect((await scim("POST", "/Users", newUser(name))).status).toBe(201);
    const byName = await scim("GET", `/Users?filter=${encodeURIComponent('userName eq "Carol"')}`);
    expect(byName.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect((byName.body.Resources as Body[])[0]?.userName).toBe("carol");
    const byEmail = await scim(
      "GET",
      `/Users?filter=${encodeURIComponent('emails.value eq "dave@example.org"')}`,
    );
    expect((byEmail.body.Resources as Body[]).map((u) => u.userName)).toEqual(["dave"]);
    const byId = await scim("GET", `/Users?filter=${encodeURIComponent(`id eq "${id}" and active eq true`)}`);
    expect(byId.body.totalResults).toBe(1);
    const none = await scim("GET", `/Users?filter=${encodeURIComponent('userName eq "nobody"')}`);
    expect(none.body).toMatchObject({ totalResults: 0, itemsPerPage: 0, Resources: [] });

    const all = await scim("GET", "/Users?sortBy=userName&sortOrder=descending");
    const names = (all.body.Resources as Body[]).map((u) => u.userName as string);
    expect(names).toEqual([...names].sort().reverse());
    const paged = await scim(
      "GET",
      `/Users?filter=${encodeURIComponent('userName sw "" and active eq true')}&sortBy=userName&startIndex=2&count=2`,
    );
    expect(paged.body).toMatchObject({ startIndex: 2, itemsPerPage: 2 });
    expect((paged.body.Resources as Body[]).map((u) => u.userName)).toEqual([...names].sort().slice(1, 3));
    const counted = await scim("GET", "/Users?count=0");
    expect(counted.body.itemsPerPage).toBe(0);
    expect(counted.body.totalResults).toBe(names.length);
    const slim = await scim("GET", `/Users/${id}?attributes=userName`);
    expect(Object.keys(slim.body).sort()).toEqual(["id", "schemas", "userName"]);
  });

  test("PATCH deactivates (refresh tokens and login stop working), renames, changes email; PUT replaces", async () => {
    const created = await scim("POST", "/Users", newUser("frank"));
    const id = created.body.id as string;
    const issued = await passwordTokens("frank");
    expect(issued.status).toBe(200);
    const refreshToken = issued.body.refresh_token as string;
    expect(refreshToken).toBeTruthy();

    const patched = await scim("PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: "Replace", path: "active", value: "False" },
        { op: "replace", path: "name.givenName", value: "Francis" },
        { op: "replace", path: 'emails[type eq "work"].value', value: "francis@example.org" },
        { op: "add", value: { externalId: "ext-1" } },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      active: false,
      displayName: "Francis Tester",
      emails: [{ value: "francis@example.org" }],
    });
    const refreshed = await postForm(`${server.url}/token`, {
      grant_type: "refresh_token",
      client_id: cli.client_id,
      client_secret: cli.client_secret,
      refresh_token: refreshToken,
    });
    expect(refreshed.body.error).toBe("invalid_grant");
    expect((await passwordTokens("frank")).status).toBe(400);
    const inactive = await scim("GET", `/Users?filter=${encodeURIComponent("active eq false")}`);
    expect((inactive.body.Resources as Body[]).map((u) => u.userName)).toContain("frank");

    const reactivated = await scim("PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: "replace", value: { active: true, displayName: "Frank Again" } }],
    });
    expect(reactivated.body).toMatchObject({
      active: true,
      displayName: "Frank Again",
      name: { formatted: "Frank Again" },
    });
    expect((await passwordTokens("frank")).status).toBe(200);

    const replaced = await scim("PUT", `/Users/${id}`, {
      schemas: [USER],
      userName: "frank",
      name: { formatted: "Franklin Replaced" },
      emails: [{ value: "other@example.org" }, { value: "franklin@example.org", primary: true }],
      active: true,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      displayName: "Franklin Replaced",
      emails: [{ value: "franklin@example.org" }],
    });
    // If-Match: a stale version is refused.
    const stale = await scim(
      "PUT",
      `/Users/${id}`,
      { schemas: [USER], userName: "frank" },
      {
        "if-match": (created.body.meta as Body).version as string,
      },
    );
    expectScimError(stale, 412);
    expectScimError(
      await scim("PUT", `/Users/${id}`, { schemas: [USER], userName: "renamed" }),
      400,
      "mutability",
    );
    const removeEmail = await scim("PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: "remove", path: "emails" }],
    });
    expect(removeEmail.body.emails).toBeUndefined();
  });

  test("DELETE removes the account and everything it holds", async () => {
    const created = await scim("POST", "/Users", newUser("gina"));
    const id = created.body.id as string;
    const issued = await passwordTokens("gina");
    expect((await scim("DELETE", `/Users/${id}`)).status).toBe(204);
    expectScimError(await scim("GET", `/Users/${id}`), 404);
    expectScimError(await scim("DELETE", `/Users/${id}`), 404);
    const refreshed = await postForm(`${server.url}/token`, {
      grant_type: "refresh_token",
      client_id: cli.client_id,
      client_secret: cli.client_secret,
      refresh_token: issued.body.refresh_token as string,
    });
    expect(refreshed.body.error).toBe("invalid_grant");
  });

  test("malformed requests get SCIM errors, never a 500", async () => {
    const { id } = (await scim("POST", "/Users", newUser("hank"))).body as { id: string };
    const filter = (f: string) => scim("GET", `/Users?filter=${encodeURIComponent(f)}`);
    expectScimError(await filter('userName eq "x'), 400, "invalidFilter");
    expectScimError(await filter('userName like "x"'), 400, "invalidFilter");
    expectScimError(await filter('nickname eq "x"'), 400, "invalidFilter");
    expectScimError(await filter('urn:example:Other:userName eq "x"'), 400, "invalidFilter");
    expectScimError(await filter("active gt true"), 400, "invalidFilter");
    expectScimError(await scim("GET", "/Users?startIndex=abc"), 400, "invalidValue");
    expectScimError(await scim("GET", "/Users?sortBy=password"), 400, "invalidValue");

    expectScimError(await scim("POST", "/Users", '{"schemas": ['), 400, "invalidSyntax");
    expectScimError(await scim("POST", "/Users", ""), 400);
    expectScimError(await scim("POST", "/Users", { userName: "noschema" }), 400, "invalidSyntax");
    expectScimError(
      await scim("POST", "/Users", { ...newUser("wrong"), schemas: [GROUP] }),
      400,
      "invalidSyntax",
    );
    expectScimError(
      await scim("POST", "/Users", { ...newUser("ext"), schemas: [USER, "urn:example:ext"] }),
      400,
      "invalidSyntax",
    );
    expectScimError(await scim("POST", "/Users", newUser("extra", { shoeSize: 42 })), 400, "invalidSyntax");
    expectScimError(await scim("POST", "/Users", newUser("Has Space")), 400, "invalidValue");
    expectScimError(
      await scim("POST", "/Users", newUser("badmail", { emails: [{ value: "nope" }] })),
      400,
      "invalidValue",
    );
    expectScimError(
      await scim("POST", "/Users", newUser("badactive", { active: "maybe" })),
      400,
      "invalidValue",
    );
    expectScimError(await scim("POST", "/Users", { schemas: [USER] }), 400, "invalidValue");
    expectScimError(await scim("POST", "/Users", [1, 2]), 400);
    const plain = await fetch(`${server.url}/scim/v2/Users`, {
      method: "POST",
      headers: { authorization: `Bearer ${BOOTSTRAP}`, "content-type": "text/plain" },
      body: "hello",
    });
    expect(plain.status).toBe(415);
    expect(((await plain.json()) as Body).schemas).toEqual([ERROR]);
    // application/json is accepted too.
    const json = await fetch(`${server.url}/scim/v2/Users`, {
      method: "POST",
      headers: { authorization: `Bearer ${BOOTSTRAP}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(newUser("jsonuser")),
    });
    expect(json.status).toBe(201);

    const patch = (Operations: unknown, schemas: unknown = [PATCH]) =>
      scim("PATCH", `/Users/${id}`, { schemas, Operations });
    expectScimError(
      await patch([{ op: "replace", path: "active", value: false }], [USER]),
      400,
      "invalidSyntax",
    );
    expectScimError(await patch([]), 400, "invalidSyntax");
    expectScimError(await patch([{ op: "move", path: "active", value: false }]), 400, "invalidSyntax");
    expectScimError(await patch([{ op: "replace", path: "shoeSize", value: 1 }]), 400, "invalidPath");
    expectScimError(await patch([{ op: "replace", path: "name.middle", value: "x" }]), 400, "invalidPath");
    expectScimError(
      await patch([{ op: "replace", path: 'emails[type eq "work"', value: "x" }]),
      400,
      "invalidPath",
    );
    expectScimError(
      await patch([{ op: "replace", path: 'emails[bogus eq "x"].value', value: "x" }]),
      400,
      "invalidPath",
    );
    expectScimError(
      await patch([{ op: "replace", path: 'emails[type eq "home"].value', value: "x@example.org" }]),
      400,
      "noTarget",
    );
    expectScimError(await patch([{ op: "remove" }]), 400, "noTarget");
    expectScimError(await patch([{ op: "replace", path: "groups", value: [] }]), 400, "mutability");
    expectScimError(await patch([{ op: "replace", path: "id", value: "x" }]), 400, "mutability");
    expectScimError(await patch([{ op: "replace", path: "active", value: 3 }]), 400, "invalidValue");
    expectScimError(await patch([{ op: "replace", path: "userName", value: "other" }]), 400, "mutability");
    expectScimError(await scim("PATCH", `/Users/${id}`, "not json"), 400, "invalidSyntax");
    expectScimError(
      await scim("PATCH", "/Users/no-such-id", {
        schemas: [PATCH],
        Operations: [{ op: "remove", path: "emails" }],
      }),
      404,
    );
    expectScimError(await scim("GET", "/Nothing"), 404);
    // The user is unchanged after all that.
    expect((await scim("GET", `/Users/${id}`)).body).toMatchObject({ userName: "hank", active: true });
  });
});

describe("SCIM Groups", () => {
  test("create, members by PATCH (seen in the user's groups and in wlcg.groups), PUT, filter, delete", async () => {
    const ivan = (await scim("POST", "/Users", newUser("ivan"))).body.id as string;
    const judy = (await scim("POST", "/Users", newUser("judy"))).body.id as string;

    expectScimError(
      await scim("POST", "/Groups", { schemas: [GROUP], displayName: "/cms/uscms" }),
      400,
      "invalidValue",
    );
    expectScimError(
      await scim("POST", "/Groups", { schemas: [GROUP], displayName: "no-slash" }),
      400,
      "invalidValue",
    );
    const cms = await scim("POST", "/Groups", {
      schemas: [GROUP],
      displayName: "/cms",
      members: [{ value: ivan }],
    });
    expect(cms.status).toBe(201);
    const cmsId = cms.body.id as string;
    expect(cms.body).toMatchObject({
      displayName: "/cms",
      members: [{ value: ivan, display: "ivan", type: "User", $ref: `${server.url}/scim/v2/Users/${ivan}` }],
      meta: { resourceType: "Group" },
    });
    expectScimError(
      await scim("POST", "/Groups", { schemas: [GROUP], displayName: "/cms" }),
      409,
      "uniqueness",
    );
    const uscms = await scim("POST", "/Groups", { schemas: [GROUP], displayName: "/cms/uscms" });
    expect(uscms.status).toBe(201);
    const uscmsId = uscms.body.id as string;

    const added = await scim("PATCH", `/Groups/${uscmsId}`, {
      schemas: [PATCH],
      Operations: [{ op: "add", path: "members", value: [{ value: ivan }, { value: judy }] }],
    });
    expect(added.status).toBe(200);
    expect((added.body.members as Body[]).map((m) => m.display).sort()).toEqual(["ivan", "judy"]);

    const ivanUser = await scim("GET", `/Users/${ivan}`);
    expect((ivanUser.body.groups as Body[]).map((g) => g.display)).toEqual(["/cms", "/cms/uscms"]);
    expect((ivanUser.body.groups as Body[])[0]).toMatchObject({
      value: cmsId,
      $ref: `${server.url}/scim/v2/Groups/${cmsId}`,
    });
    const token = decodeJwt((await passwordTokens("ivan", "openid wlcg.groups")).body.access_token as string);
    expect(token["wlcg.groups"]).toEqual(["/cms", "/cms/uscms"]);
    const byGroup = await scim("GET", `/Users?filter=${encodeURIComponent(`groups.value eq "${uscmsId}"`)}`);
    expect((byGroup.body.Resources as Body[]).map((u) => u.userName).sort()).toEqual(["ivan", "judy"]);

    const removed = await scim("PATCH", `/Groups/${uscmsId}`, {
      schemas: [PATCH],
      Operations: [{ op: "remove", path: `members[value eq "${ivan}"]` }],
    });
    expect((removed.body.members as Body[]).map((m) => m.display)).toEqual(["judy"]);
    const after = decodeJwt((await passwordTokens("ivan", "openid wlcg.groups")).body.access_token as string);
    expect(after["wlcg.groups"]).toEqual(["/cms"]);
    // Azure AD's form: remove with a value list.
    const azure = await scim("PATCH", `/Groups/${uscmsId}`, {
      schemas: [PATCH],
      Operations: [{ op: "Remove", path: "members", value: [{ value: judy }] }],
    });
    expect(azure.body.members).toEqual([]);

    const put = await scim("PUT", `/Groups/${cmsId}`, {
      schemas: [GROUP],
      displayName: "/cms",
      members: [{ value: judy }],
    });
    expect(put.status).toBe(200);
    expect((put.body.members as Body[]).map((m) => m.value)).toEqual([judy]);
    expect((await scim("GET", `/Users/${ivan}`)).body.groups).toEqual([]);

    const listed = await scim("GET", `/Groups?filter=${encodeURIComponent('displayName eq "/cms"')}`);
    expect(listed.body.totalResults).toBe(1);
    expect((listed.body.Resources as Body[])[0]).toMatchObject({ id: cmsId, displayName: "/cms" });
    const byMember = await scim("GET", `/Groups?filter=${encodeURIComponent(`members.value eq "${judy}"`)}`);
    expect((byMember.body.Resources as Body[]).map((g) => g.displayName)).toEqual(["/cms"]);
    const slim = await scim("GET", `/Groups/${cmsId}?excludedAttributes=members`);
    expect(slim.body.members).toBeUndefined();
    const all = await scim("GET", "/Groups?sortBy=displayName");
    expect((all.body.Resources as Body[]).map((g) => g.displayName)).toEqual(["/cms", "/cms/uscms"]);

    // Malformed group requests.
    const patch = (Operations: unknown) =>
      scim("PATCH", `/Groups/${cmsId}`, { schemas: [PATCH], Operations });
    expectScimError(
      await patch([{ op: "add", path: "members", value: [{ value: "no-such-user" }] }]),
      400,
      "invalidValue",
    );
    expectScimError(
      await patch([{ op: "add", path: "members", value: [{ value: cmsId, type: "Group" }] }]),
      400,
      "invalidValue",
    );
    expectScimError(
      await patch([{ op: "replace", path: "displayName", value: "/atlas" }]),
      400,
      "mutability",
    );
    expectScimError(await patch([{ op: "remove", path: "members[value eq ]" }]), 400, "invalidPath");
    expectScimError(await patch([{ op: "add", path: "owners", value: [] }]), 400, "invalidPath");
    expectScimError(
      await scim("PUT", `/Groups/${cmsId}`, { schemas: [GROUP], displayName: "/renamed" }),
      400,
      "mutability",
    );
    expectScimError(
      await scim("GET", `/Groups?filter=${encodeURIComponent("displayName eq")}`),
      400,
      "invalidFilter",
    );

    expectScimError(await scim("DELETE", `/Groups/${cmsId}`), 409);
    expect((await scim("DELETE", `/Groups/${uscmsId}`)).status).toBe(204);
    expect((await scim("DELETE", `/Groups/${cmsId}`)).status).toBe(204);
    expectScimError(await scim("GET", `/Groups/${cmsId}`), 404);
    expect((await scim("GET", `/Users/${judy}`)).body.groups).toEqual([]);
  });
});
