import { createVerifier } from "@tessera/verify";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";
const REFRESH_TOKEN = "urn:ietf:params:oauth:token-type:refresh_token";

interface TestClient {
  clientId: string;
  secret: string;
}

let server: TestServer;
let tokenUrl: string;
/** The user's client: gets the user's token with the password grant. */
let portal: TestClient;
/** Workflow systems that exchange the user's token. */
let panda: TestClient;
let rucio: TestClient;
let fts: TestClient;
let adminId: string;

const USER_SCOPE =
  "openid profile offline_access wlcg storage.read:/cms storage.modify:/cms/store/user compute.create";

beforeAll(async () => {
  server = await startTestServer();
  tokenUrl = `${server.url}/token`;
  const clients = server.tessera.services.clients;
  const register = async (
    clientName: string,
    grantTypes: string[],
    scopes: string[],
    audiences: string[] = [],
  ): Promise<TestClient> => {
    const r = await clients.register({
      clientName,
      clientId: clientName,
      authMethod: "client_secret_basic",
      grantTypes,
      scopes,
      audiences,
    });
    return { clientId: r.client.clientId, secret: r.clientSecret as string };
  };
  portal = await register(
    "portal",
    ["password", "refresh_token"],
    [
      "openid",
      "profile",
      "offline_access",
      "wlcg",
      "storage.read:/",
      "storage.modify:/cms",
      "compute.create",
    ],
  );
  panda = await register(
    "panda",
    [EXCHANGE, "refresh_token"],
    ["openid", "offline_access", "storage.read:/cms", "storage.modify:/cms/store", "compute.create"],
    ["rucio", "https://fts.example.org"],
  );
  rucio = await register("rucio", [EXCHANGE], ["storage.read:/cms", "storage.modify:/cms"]);
  fts = await register(
    "fts",
    [EXCHANGE, "refresh_token", "client_credentials"],
    ["offline_access", "storage.read:/"],
  );
  await server.tessera.services.tokenExchangePolicies.create({
    originClientId: portal.clientId,
    destinationClientId: panda.clientId,
    allowRefresh: true,
    scopeCeiling: [],
  });
  adminId = (await server.tessera.services.accounts.findByUsername("admin"))?.id as string;
});
afterAll(() => server.close());

const auth = (client: TestClient) => ({ authorization: basicAuth(client.clientId, client.secret) });

async function userToken(username = "admin", password = ADMIN_PASSWORD, scope = USER_SCOPE): Promise<string> {
  const { status, body } = await postForm(
    tokenUrl,
    { grant_type: "password", username, password, scope },
    auth(portal),
  );
  expect(status).toBe(200);
  return body.access_token as string;
}

function exchange(client: TestClient, subjectToken: string, extra: Record<string, string | string[]> = {}) {
  return postForm(
    tokenUrl,
    { grant_type: EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, ...extra },
    auth(client),
  );
}

describe("token exchange (RFC 8693)", () => {
  test("is advertised", async () => {
    const doc = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as {
      grant_types_supported: string[];
    };
    expect(doc.grant_types_supported).toContain(EXCHANGE);
  });

  test("a workflow system exchanges the user's token for a narrower one acting for the user", async () => {
    const { status, headers, body } = await exchange(panda, await userToken(), {
      scope: "storage.read:/cms/data compute.create",
      audience: "rucio",
    });
    expect(status).toBe(200);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(body).toMatchObject({
      token_type: "Bearer",
      issued_token_type: ACCESS_TOKEN,
      scope: "storage.read:/cms/data compute.create",
      expires_in: 1200,
    });
    expect(body.refresh_token).toBeUndefined();
    expect(body.id_token).toBeUndefined();
    const token = body.access_token as string;
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      sub: adminId,
      client_id: "panda",
      act: { sub: "panda" },
      aud: "rucio",
      "wlcg.ver": "1.0",
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(1200);

    const verifier = createVerifier({
      issuers: [{ issuer: server.url }],
      clock: () => new Date(server.clock.now()),
    });
    const verified = await verifier.verify(token, {
      audience: "rucio",
      requiredScopes: ["storage.read:/cms/data/file"],
    });
    expect(verified.subject).toBe(adminId);

    const introspected = await postForm(`${server.url}/introspect`, { token }, auth(rucio));
    expect(introspected.body).toMatchObject({
      active: true,
      client_id: "panda",
      sub: adminId,
      username: "admin",
      scope: "storage.read:/cms/data compute.create",
    });
  });

  test("without scope the token gets what the user's token and the client have in common", async () => {
    const { status, body } = await exchange(panda, await userToken());
    expect(status).toBe(200);
    expect(body.scope).toBe(
      "openid offline_access storage.read:/cms storage.modify:/cms/store/user compute.create",
    );
    // The policy allows refresh and the client has the refresh grant: IAM hands out a refresh token.
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.id_token).toBeUndefined();
    const refreshed = await postForm(
      tokenUrl,
      {
        grant_type: "refresh_token",
        refresh_token: body.refresh_token as string,
        scope: "storage.read:/cms",
      },
      auth(panda),
    );
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access_token as string)).toMatchObject({
      sub: adminId,
      client_id: "panda",
    });
  });

  test("a refresh token is issued only when the policy allows it", async () => {
    const asked = await exchange(panda, await userToken(), {
      scope: "offline_access storage.read:/cms",
      requested_token_type: REFRESH_TOKEN,
    });
    expect(asked.status).toBe(200);
    expect(asked.body.issued_token_type).toBe(REFRESH_TOKEN);
    expect(asked.body.refresh_token).toBeTruthy();

    const noOffline = await exchange(panda, await userToken(), {
      scope: "storage.read:/cms",
      requested_token_type: REFRESH_TOKEN,
    });
    expect(noOffline.body.error).toBe("invalid_request");

    const policy = await server.tessera.services.tokenExchangePolicies.create({
      originClientId: portal.clientId,
      destinationClientId: fts.clientId,
      allowRefresh: false,
      scopeCeiling: [],
    });
    const denied = await exchange(fts, await userToken(), { scope: "offline_access storage.read:/cms" });
    expect(denied.status).toBe(200);
    expect(denied.body.scope).toBe("storage.read:/cms");
    expect(denied.body.refresh_token).toBeUndefined();
    const deniedAsked = await exchange(fts, await userToken(), {
      scope: "offline_access storage.read:/cms",
      requested_token_type: REFRESH_TOKEN,
    });
    expect(deniedAsked.body.error).toBe("invalid_request");
    expect(await server.tessera.services.tokenExchangePolicies.delete(policy.id)).toBe(true);
  });

  test("without a matching policy the exchange is refused", async () => {
    const { status, body } = await exchange(rucio, await userToken());
    expect(status).toBe(400);
    expect(body).toMatchObject({
      error: "invalid_grant",
      error_description: "no token exchange policy allows this",
    });
  });

  test("a wildcard policy applies, its scope ceiling holds, and an exact policy beats it", async () => {
    const policies = server.tessera.services.tokenExchangePolicies;
    const wildcard = await policies.create({
      originClientId: "*",
      destinationClientId: rucio.clientId,
      allowRefresh: false,
      scopeCeiling: ["storage.read:/cms/data"],
    });
    const subject = await userToken();
    const ceiled = await exchange(rucio, subject);
    expect(ceiled.status).toBe(200);
    expect(ceiled.body.scope).toBe("storage.read:/cms/data");
    expect((await exchange(rucio, subject, { scope: "storage.read:/cms/data/run1" })).body.scope).toBe(
      "storage.read:/cms/data/run1",
    );
    const above = await exchange(rucio, subject, { scope: "storage.read:/cms" });
    expect(above.body.error).toBe("invalid_scope");

    const exact = await policies.create({
      originClientId: portal.clientId,
      destinationClientId: rucio.clientId,
      allowRefresh: false,
      scopeCeiling: [],
    });
    const wider = await exchange(rucio, subject, { scope: "storage.read:/cms" });
    expect(wider.status).toBe(200);
    expect(wider.body.scope).toBe("storage.read:/cms");
    expect((await policies.list()).map((p) => p.id)).toEqual(expect.arrayContaining([wildcard.id, exact.id]));

    await policies.delete(exact.id);
    await policies.delete(wildcard.id);
    expect((await exchange(rucio, subject)).body.error).toBe("invalid_grant");
  });

  test("a scope beyond the user's token or the client's scopes is invalid_scope", async () => {
    const subject = await userToken();
    const cases = [
      "storage.read:/", // neither the user's token nor the client has it
      "storage.modify:/cms/store/other", // the client may, the user's token may not
      "storage.read:/cms storage.modify:/cms", // the user's token may, the client may not
      "email",
    ];
    for (const scope of cases) {
      const { status, body } = await exchange(panda, subject, { scope });
      expect(status, scope).toBe(400);
      expect(body.error, scope).toBe("invalid_scope");
    }
  });

  test("audiences must be among the client's", async () => {
    const { body } = await exchange(panda, await userToken(), { audience: "somewhere-else" });
    expect(body.error).toBe("invalid_target");
    const resource = await exchange(panda, await userToken(), { resource: "https://fts.example.org" });
    expect(decodeJwt(resource.body.access_token as string).aud).toBe("https://fts.example.org");
  });

  test("a revoked subject token cannot be exchanged", async () => {
    const subject = await userToken();
    const revoked = await fetch(`${server.url}/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...auth(portal) },
      body: new URLSearchParams({ token: subject }).toString(),
    });
    expect(revoked.status).toBe(200);
    const { body } = await exchange(panda, subject);
    expect(body.error).toBe("invalid_grant");
  });

  test("an expired subject token cannot be exchanged", async () => {
    const subject = await userToken();
    server.clock.advance(1200 * 1000);
    const { body } = await exchange(panda, subject);
    expect(body.error).toBe("invalid_grant");
  });

  test("a suspended user's token cannot be exchanged", async () => {
    const user = await server.tessera.services.accounts.create({
      username: "sam",
      name: "Sam",
      email: "sam@example.org",
      password: "a long enough password",
    });
    const subject = await userToken("sam", "a long enough password");
    expect((await exchange(panda, subject, { scope: "storage.read:/cms" })).status).toBe(200);
    await server.tessera.services.accounts.setStatus(user.id, "suspended");
    expect((await exchange(panda, subject)).body.error).toBe("invalid_grant");
  });

  test("an ID token or a client's own token is not a subject token", async () => {
    const login = await postForm(
      tokenUrl,
      { grant_type: "password", username: "admin", password: ADMIN_PASSWORD, scope: "openid" },
      auth(portal),
    );
    const asJwt = await exchange(panda, login.body.id_token as string, {
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    });
    expect(asJwt.body.error).toBe("invalid_grant");
    const own = await postForm(tokenUrl, { grant_type: "client_credentials" }, auth(fts));
    const { body } = await exchange(panda, own.body.access_token as string);
    expect(body).toMatchObject({ error: "invalid_grant" });
  });

  test("malformed requests are invalid_request", async () => {
    const subject = await userToken();
    const cases: Record<string, string>[] = [
      { subject_token: "not a token" },
      { subject_token_type: REFRESH_TOKEN },
      { subject_token_type: "urn:ietf:params:oauth:token-type:id_token" },
      { subject_token_type: "urn:example:unknown" },
      { requested_token_type: "urn:ietf:params:oauth:token-type:id_token" },
      { actor_token: subject, actor_token_type: ACCESS_TOKEN },
    ];
    for (const extra of cases) {
      const { status, body } = await exchange(panda, subject, extra);
      expect(status, JSON.stringify(extra)).toBe(400);
      expect(body.error, JSON.stringify(extra)).toBe("invalid_request");
    }
    const missing = await postForm(tokenUrl, { grant_type: EXCHANGE, subject_token: subject }, auth(panda));
    expect(missing.body.error).toBe("invalid_request");
    const noSubject = await postForm(
      tokenUrl,
      { grant_type: EXCHANGE, subject_token_type: ACCESS_TOKEN },
      auth(panda),
    );
    expect(noSubject.body.error).toBe("invalid_request");
  });

  test("a client without the token exchange grant is unauthorized_client", async () => {
    const { body } = await exchange(portal, await userToken());
    expect(body.error).toBe("unauthorized_client");
  });

  test("a chained exchange nests the previous actor (RFC 8693 §4.1)", async () => {
    const policy = await server.tessera.services.tokenExchangePolicies.create({
      originClientId: panda.clientId,
      destinationClientId: rucio.clientId,
      allowRefresh: false,
      scopeCeiling: [],
    });
    const first = await exchange(panda, await userToken(), {
      scope: "storage.read:/cms storage.modify:/cms/store/user",
    });
    const second = await exchange(rucio, first.body.access_token as string, {
      scope: "storage.read:/cms/mc",
    });
    expect(second.status).toBe(200);
    expect(decodeJwt(second.body.access_token as string)).toMatchObject({
      sub: adminId,
      client_id: "rucio",
      scope: "storage.read:/cms/mc",
      act: { sub: "rucio", act: { sub: "panda" } },
    });
    await server.tessera.services.tokenExchangePolicies.delete(policy.id);
  });
});
