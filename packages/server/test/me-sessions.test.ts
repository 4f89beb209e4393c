// The caller's own browser sessions and sign-in history over the REST API (the dashboard's
// Security page): list with address and user agent, end one, end all others, and the login
// events of the audit trail, paged.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Browser, createBrowser } from "./support/browser.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const PASSWORD = "a long enough password";
let server: TestServer;
let users = 0;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function newUser() {
  const username = `sessions${++users}`;
  const account = await server.tessera.services.accounts.create({
    username,
    name: `User ${username}`,
    email: `${username}@example.org`,
    password: PASSWORD,
  });
  return { username, account };
}

async function signedIn(username: string, userAgent: string): Promise<Browser> {
  const browser = createBrowser(server.url, userAgent);
  expect((await browser.login(username, PASSWORD)).status).toBe(303);
  return browser;
}

/** A REST call from a signed-in browser: session cookie plus X-CSRF-Token for changes. */
async function call(browser: Browser, method: string, path: string, csrf = true) {
  const headers: Record<string, string> = { accept: "application/json" };
  if (csrf && method !== "GET") headers["x-csrf-token"] = await browser.csrfFrom("/");
  const response = await browser.request(`/api/v1${path}`, { method, headers });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
    body: (text ? JSON.parse(text) : null) as any,
  };
}

interface SessionJson {
  id: string;
  current: boolean;
  ip: string;
  user_agent: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

describe("my sessions", () => {
  test("listed with address and user agent, the calling one marked; ids are not the stored hashes", async () => {
    const { username, account } = await newUser();
    const laptop = await signedIn(username, "Laptop Firefox");
    await signedIn(username, "Phone Safari");
    const listed = await call(laptop, "GET", "/me/sessions");
    expect(listed.status).toBe(200);
    const items = listed.body.items as SessionJson[];
    expect(items.map((s) => [s.user_agent, s.current]).sort()).toEqual([
      ["Laptop Firefox", true],
      ["Phone Safari", false],
    ]);
    for (const s of items) {
      expect(s.ip).toMatch(/127\.0\.0\.1/);
      expect(Date.parse(s.expires_at)).toBeGreaterThan(Date.parse(s.created_at));
    }
    const stored = await server.tessera.store.db
      .selectFrom("sessions")
      .select("id_hash")
      .where("account_id", "=", account.id)
      .execute();
    expect(stored).toHaveLength(2);
    const text = JSON.stringify(listed.body);
    for (const row of stored) expect(text).not.toContain(row.id_hash);
  });

  test("ending another session signs that browser out; an unknown id is a 404 problem; changes need CSRF", async () => {
    const { username } = await newUser();
    const laptop = await signedIn(username, "Laptop");
    const phone = await signedIn(username, "Phone");
    const other = (await call(laptop, "GET", "/me/sessions")).body.items.find(
      (s: SessionJson) => !s.current,
    ) as SessionJson;

    expect((await call(laptop, "DELETE", `/me/sessions/${other.id}`, false)).status).toBe(403);
    expect((await call(phone, "GET", "/me")).status).toBe(200);

    expect((await call(laptop, "DELETE", `/me/sessions/${other.id}`)).status).toBe(204);
    expect((await call(phone, "GET", "/me")).status).toBe(401);
    expect((await call(laptop, "GET", "/me")).status).toBe(200);

    const gone = await call(laptop, "DELETE", `/me/sessions/${other.id}`);
    expect(gone.status).toBe(404);
    expect(gone.type).toContain("application/problem+json");
    expect(gone.body).toMatchObject({ status: 404, code: "not_found" });
  });

  test("ending a session revokes the tokens delegated from it, as a logout does", async () => {
    const { username } = await newUser();
    const laptop = await signedIn(username, "Laptop");
    const notebook = await signedIn(username, "Notebook host");
    const delegated = await notebook.get("/auth?notebook=true");
    expect(delegated.status).toBe(200);
    const child = delegated.headers.get("x-auth-request-token") ?? "";
    expect(child).toMatch(/^tsr_/);
    const gateway = () => fetch(`${server.url}/auth`, { headers: { authorization: `Bearer ${child}` } });
    expect((await gateway()).status).toBe(200);

    const other = (await call(laptop, "GET", "/me/sessions")).body.items.find(
      (s: SessionJson) => !s.current,
    ) as SessionJson;
    expect((await call(laptop, "DELETE", `/me/sessions/${other.id}`)).status).toBe(204);
    expect((await gateway()).status).toBe(401);
    const history = (await call(laptop, "GET", "/me/token-history")).body.items as { action: string }[];
    expect(history.map((h) => h.action)).toContain("revoke");
  });

  test("another account's session cannot be ended by its id", async () => {
    const mallory = await signedIn((await newUser()).username, "Mallory");
    const { username } = await newUser();
    const victim = await signedIn(username, "Victim");
    const victimId = (await call(victim, "GET", "/me/sessions")).body.items[0].id as string;
    expect((await call(mallory, "DELETE", `/me/sessions/${victimId}`)).status).toBe(404);
    expect((await call(victim, "GET", "/me")).status).toBe(200);
  });

  test("sign out everywhere else keeps only the calling session", async () => {
    const { username } = await newUser();
    const here = await signedIn(username, "Here");
    const elsewhere = [await signedIn(username, "Desk"), await signedIn(username, "Tablet")];
    const ended = await call(here, "POST", "/me/sessions/end-others");
    expect(ended).toMatchObject({ status: 200, body: { ended: 2 } });
    for (const browser of elsewhere) expect((await call(browser, "GET", "/me")).status).toBe(401);
    const left = (await call(here, "GET", "/me/sessions")).body.items as SessionJson[];
    expect(left.map((s) => [s.user_agent, s.current])).toEqual([["Here", true]]);
    expect((await call(here, "POST", "/me/sessions/end-others")).body).toEqual({ ended: 0 });
  });

  test("anonymous callers get a 401 problem", async () => {
    const response = await fetch(`${server.url}/api/v1/me/sessions`);
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("my sign-in history", () => {
  test("password sign-ins and failures, newest first, paged with before=", async () => {
    const { username } = await newUser();
    const failed = await createBrowser(server.url, "Guesser").login(username, "not the password at all");
    expect(failed.status).toBe(401);
    server.clock.advance(1000);
    const browser = await signedIn(username, "Laptop");

    const history = await call(browser, "GET", "/me/sign-ins");
    expect(history.status).toBe(200);
    expect(history.body.items).toMatchObject([
      { method: "password", result: "success", reason: null, user_agent: "Laptop" },
      { method: "password", result: "failure", reason: "bad_password", user_agent: "Guesser" },
    ]);
    expect(history.body.items[0].ip).toMatch(/127\.0\.0\.1/);
    expect(Date.parse(history.body.items[0].at)).toBeGreaterThan(Date.parse(history.body.items[1].at));
    expect(history.body.next).toBeUndefined();

    const first = await call(browser, "GET", "/me/sign-ins?limit=1");
    expect(first.body.items).toMatchObject([{ result: "success" }]);
    expect(first.body.next).toBeTypeOf("number");
    const second = await call(browser, "GET", `/me/sign-ins?limit=1&before=${first.body.next}`);
    expect(second.body.items).toMatchObject([{ result: "failure" }]);
  });

  test("only my own login events: not other accounts', not other kinds of event", async () => {
    const { username } = await newUser();
    const browser = await signedIn(username, "Mine");
    await signedIn((await newUser()).username, "Someone else");
    expect((await call(browser, "POST", "/me/aup/sign")).status).toBeLessThan(500);
    const items = (await call(browser, "GET", "/me/sign-ins")).body.items as { user_agent: string }[];
    expect(items.map((i) => i.user_agent)).toEqual(["Mine"]);
  });

  test("a bad page size is a 400 problem", async () => {
    const browser = await signedIn((await newUser()).username, "Laptop");
    const refused = await call(browser, "GET", "/me/sign-ins?limit=0");
    expect(refused.status).toBe(400);
    expect(refused.type).toContain("application/problem+json");
  });
});

test("the OpenAPI document describes the user's security endpoints", async () => {
  const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
  };
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining([
      "/api/v1/me/sessions",
      "/api/v1/me/sessions/{id}",
      "/api/v1/me/sessions/end-others",
      "/api/v1/me/sign-ins",
      "/api/v1/me/consents",
      "/api/v1/me/consents/{client_id}",
    ]),
  );
  const names = (path: string, method: string) =>
    (doc.paths[path]?.[method]?.parameters ?? []).map((p) => `${p.in}:${p.name}`).sort();
  expect(names("/api/v1/me/sign-ins", "get")).toEqual(["query:before", "query:limit"]);
  expect(names("/api/v1/me/sessions/{id}", "delete")).toEqual(["path:id"]);
  expect(names("/api/v1/me/consents/{client_id}", "delete")).toEqual(["path:client_id"]);
});
