import { decodeJwt } from "jose";
import { afterAll, beforeAll, expect, test } from "vitest";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { restApi } from "./support/rest-api.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP });
});
afterAll(() => server.close());

const api = restApi(() => server.url, BOOTSTRAP);

test("administrators manage token-exchange policies, which decide the exchanges at /token", async () => {
  const { body: portal } = await api("POST", "/clients", {
    client_name: "portal",
    grant_types: ["password"],
    token_endpoint_auth_method: "client_secret_post",
    scope: "openid storage.read:/cms",
  });
  const { body: rucio } = await api("POST", "/clients", {
    client_name: "rucio",
    grant_types: [EXCHANGE],
    scope: "storage.read:/cms",
  });
  const subject = (
    await postForm(`${server.url}/token`, {
      grant_type: "password",
      client_id: portal.client_id as string,
      client_secret: portal.client_secret as string,
      username: "admin",
      password: ADMIN_PASSWORD,
      scope: "openid storage.read:/cms",
    })
  ).body.access_token as string;
  const exchange = () =>
    postForm(
      `${server.url}/token`,
      {
        grant_type: EXCHANGE,
        subject_token: subject,
        subject_token_type: "urn:ietf:params:oauth:token-type:access_token",
        scope: "storage.read:/cms/data",
      },
      { authorization: basicAuth(rucio.client_id as string, rucio.client_secret as string) },
    );
  expect((await exchange()).body.error).toBe("invalid_grant");

  const created = await api("POST", "/token-exchange-policies", {
    origin_client_id: portal.client_id,
    destination_client_id: rucio.client_id,
    scope_ceiling: ["storage.read:/cms"],
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ allow_refresh: false, scope_ceiling: ["storage.read:/cms"] });
  const exchanged = await exchange();
  expect(exchanged.status).toBe(200);
  expect(decodeJwt(exchanged.body.access_token as string).act).toEqual({ sub: rucio.client_id });
  expect(((await api("GET", "/token-exchange-policies")).body.items as unknown[]).length).toBe(1);
  expect(
    (
      await api("POST", "/token-exchange-policies", {
        origin_client_id: portal.client_id,
        destination_client_id: rucio.client_id,
      })
    ).status,
  ).toBe(409);
  expect(
    (
      await api("POST", "/token-exchange-policies", {
        origin_client_id: "*",
        destination_client_id: "*",
        scope_ceiling: ["storage.read"],
      })
    ).status,
  ).toBe(400);

  expect((await api("DELETE", `/token-exchange-policies/${created.body.id}`)).status).toBe(204);
  expect((await api("DELETE", `/token-exchange-policies/${created.body.id}`)).status).toBe(404);
  expect((await exchange()).body.error).toBe("invalid_grant");
});
