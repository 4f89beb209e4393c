import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { linkIn, type SmtpSink, startSmtpSink } from "./support/smtp-sink.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
const PASSWORD = "a perfectly long password";

let sink: SmtpSink;
let server: TestServer;

beforeAll(async () => {
  sink = await startSmtpSink();
  server = await startTestServer({
    TESSERA_SMTP_URL: sink.url,
    TESSERA_MAIL_FROM: "Tessera test <iam@example.org>",
    TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP,
    TESSERA_ADMIN_EMAIL: "admin@example.org",
    TESSERA_LOGIN_IP_FAILURE_LIMIT: "1000",
  });
});
afterAll(async () => {
  await server.close();
  await sink.close();
});

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${BOOTSTRAP}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

/** Fills in and sends the sign-up form as a browser would. */
async function signUp(username: string, extra: Record<string, string> = {}) {
  const browser = createBrowser(server.url);
  const csrf_token = await browser.csrfFrom("/signup");
  const response = await browser.post("/signup", {
    csrf_token,
    username,
    name: `Applicant ${username}`,
    email: `${username}@example.org`,
    notes: "I work on the muon detector.",
    password: PASSWORD,
    aup: "accepted",
    ...extra,
  });
  return { browser, response, html: await response.text() };
}

const mailTo = (address: string, subject: RegExp) => (m: { to: string[]; subject: string }) =>
  m.to.includes(address) && subject.test(m.subject);

async function registrationOf(username: string) {
  return server.tessera.store.db
    .selectFrom("registrations")
    .selectAll()
    .where("username", "=", username)
    .orderBy("created_at", "desc")
    .executeTakeFirstOrThrow();
}

describe("moderated registration", () => {
  test("form → verification mail → confirm → administrators told → approve → applicant told → login", async () => {
    const { response, html } = await signUp("alice");
    expect(response.status).toBe(200);
    expect(html).toContain("Check your email");

    // Nothing can sign in before approval: there is no account yet.
    const early = await createBrowser(server.url).login("alice", PASSWORD);
    expect(early.status).toBe(401);

    const verification = await sink.waitFor(mailTo("alice@example.org", /confirm your email/i));
    const link = linkIn(verification, `${server.url}/signup/verify?token=`);
    const token = new URL(link).searchParams.get("token") as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    // Stored only as a hash.
    const stored = await registrationOf("alice");
    expect(stored.email_token_hash).not.toBe(token);
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);

    const confirmed = await createBrowser(server.url).get(link.slice(server.url.length));
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("Email confirmed");

    const notice = await sink.waitFor(mailTo("admin@example.org", /registration request from alice/i));
    expect(notice.text).toContain("alice@example.org");
    expect(notice.text).toContain("muon detector");

    // Still no login while the request waits.
    expect((await createBrowser(server.url).login("alice", PASSWORD)).status).toBe(401);

    const pending = await api("GET", "/registrations?status=pending");
    expect(pending.status).toBe(200);
    const item = (pending.body.items as Array<Record<string, unknown>>).find((r) => r.username === "alice");
    expect(item).toMatchObject({ status: "pending", email: "alice@example.org" });
    expect(item?.email_confirmed_at).toBeTypeOf("string");
    expect(item?.aup_accepted_at).toBeTypeOf("string");
    expect(JSON.stringify(pending.body)).not.toMatch(/password|token_hash/);

    const approved = await api("POST", `/registrations/${item?.id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: "approved", username: "alice" });
    expect(approved.body.account_id).toBeTypeOf("string");

    const told = await sink.waitFor(mailTo("alice@example.org", /approved/i));
    expect(told.text).toContain(`${server.url}/login`);

    const browser = createBrowser(server.url);
    expect((await browser.login("alice", PASSWORD)).status).toBe(303);
    const account = await server.tessera.services.accounts.findByUsername("alice");
    expect(account).toMatchObject({ status: "active", email: "alice@example.org", name: "Applicant alice" });
    // The request keeps no password once decided.
    expect((await registrationOf("alice")).password_hash).toBeNull();

    // A decided request cannot be decided again.
    expect((await api("POST", `/registrations/${item?.id}/approve`)).status).toBe(400);
    expect((await api("POST", `/registrations/${item?.id}/reject`, { reason: "late" })).status).toBe(400);

    const events = await server.tessera.store.db
      .selectFrom("audit_events")
      .select("event")
      .where("username", "=", "alice")
      .where("event", "like", "registration.%")
      .orderBy("id")
      .execute();
    expect(events.map((e) => e.event)).toEqual([
      "registration.requested",
      "registration.email_confirmed",
      "registration.approved",
    ]);
  });

  test("rejection is mailed with the reason; the applicant never gets an account", async () => {
    await signUp("bob");
    const verification = await sink.waitFor(mailTo("bob@example.org", /confirm your email/i));
    await createBrowser(server.url).get(
      linkIn(verification, `${server.url}/signup/verify`).slice(server.url.length),
    );
    const { id } = await registrationOf("bob");

    expect((await api("POST", `/registrations/${id}/reject`, {})).status).toBe(400); // a reason is required
    const rejected = await api("POST", `/registrations/${id}/reject`, {
      reason: "Not a member of the collaboration.",
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: "rejected", reason: "Not a member of the collaboration." });

    const told = await sink.waitFor(mailTo("bob@example.org", /not approved/i));
    expect(told.text).toContain("Not a member of the collaboration.");
    expect((await createBrowser(server.url).login("bob", PASSWORD)).status).toBe(401);
    expect(await server.tessera.services.accounts.findByUsername("bob")).toBeUndefined();
    expect((await registrationOf("bob")).password_hash).toBeNull();
    const audit = await server.tessera.store.db
      .selectFrom("audit_events")
      .select(["event", "reason"])
      .where("event", "=", "registration.rejected")
      .where("username", "=", "bob")
      .executeTakeFirstOrThrow();
    expect(audit.reason).toBe("rejected_by_administrator");
  });

  test("an unconfirmed request cannot be approved", async () => {
    await signUp("cecile");
    const { id } = await registrationOf("cecile");
    const approve = await api("POST", `/registrations/${id}/approve`);
    expect(approve.status).toBe(400);
    expect(approve.body.code).toBe("not_pending");
  });

  test("verification links: garbage, used and expired ones are refused", async () => {
    const garbage = await createBrowser(server.url).get("/signup/verify?token=not-a-token");
    expect(garbage.status).toBe(400);
    const wellFormed = await createBrowser(server.url).get(`/signup/verify?token=${"A".repeat(43)}`);
    expect(wellFormed.status).toBe(400);
    expect((await createBrowser(server.url).get("/signup/verify")).status).toBe(400);

    await signUp("dmitri");
    const once = linkIn(
      await sink.waitFor(mailTo("dmitri@example.org", /confirm/i)),
      `${server.url}/signup/verify`,
    );
    expect((await createBrowser(server.url).get(once.slice(server.url.length))).status).toBe(200);
    const again = await createBrowser(server.url).get(once.slice(server.url.length));
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("not valid");

    await signUp("erin");
    const late = linkIn(
      await sink.waitFor(mailTo("erin@example.org", /confirm/i)),
      `${server.url}/signup/verify`,
    );
    server.clock.advance(24 * 3_600_000 + 1000);
    const expired = await createBrowser(server.url).get(late.slice(server.url.length));
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain("expired");
    // An expired, never-confirmed request no longer holds the username.
    const retry = await signUp("erin");
    expect(retry.response.status).toBe(200);
  });

  test("usernames are unique against accounts and open requests; errors keep the values, never the password", async () => {
    const taken = await signUp("admin");
    expect(taken.response.status).toBe(409);
    expect(taken.html).toContain("This username is taken.");
    expect(taken.html).toContain('value="admin@example.org"');
    expect(taken.html).not.toContain(PASSWORD);

    await signUp("frank");
    const twice = await signUp("Frank", { email: "other@example.org" });
    expect(twice.response.status).toBe(409);
    expect(twice.html).toContain("This username is taken.");

    const bad = await signUp("Ünïcode name", { email: "nope", password: "short", aup: "" });
    expect(bad.response.status).toBe(400);
    for (const id of ["username-error", "email-error", "password-error", "aup-error"])
      expect(bad.html).toContain(id);
    expect(bad.html).not.toContain(`id="name-error"`);
    expect(bad.html).toContain('value="nope"');
    expect(bad.html).toContain("muon detector");
    expect(bad.html).not.toContain('value="short"');
  });

  test("the sign-up form is CSRF-protected", async () => {
    const browser = createBrowser(server.url);
    await browser.get("/signup");
    const noToken = await browser.post("/signup", {
      username: "mallory",
      name: "Mallory",
      email: "mallory@example.org",
      password: PASSWORD,
      aup: "accepted",
    });
    expect(noToken.status).toBe(403);
    const csrf_token = await browser.csrfFrom("/signup");
    const crossSite = await browser.post(
      "/signup",
      {
        csrf_token,
        username: "mallory",
        name: "M",
        email: "m@example.org",
        password: PASSWORD,
        aup: "accepted",
      },
      { origin: "https://evil.example" },
    );
    expect(crossSite.status).toBe(403);
    const rows = await server.tessera.store.db
      .selectFrom("registrations")
      .select("id")
      .where("username", "=", "mallory")
      .execute();
    expect(rows).toEqual([]);
  });

  test("the REST API: anyone may ask, only administrators list and decide", async () => {
    const asked = await api(
      "POST",
      "/registrations",
      { username: "gwen", name: "Gwen", email: "gwen@example.org", password: PASSWORD, aup_accepted: true },
      { authorization: "" },
    );
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ username: "gwen", status: "unconfirmed" });
    expect(JSON.stringify(asked.body)).not.toContain(PASSWORD);
    await sink.waitFor(mailTo("gwen@example.org", /confirm/i));

    const duplicate = await api(
      "POST",
      "/registrations",
      { username: "gwen", name: "Gwen", email: "gwen@example.org", password: PASSWORD, aup_accepted: true },
      { authorization: "" },
    );
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe("username_taken");
    const noAup = await api(
      "POST",
      "/registrations",
      { username: "hal", name: "Hal", email: "hal@example.org", password: PASSWORD, aup_accepted: false },
      { authorization: "" },
    );
    expect(noAup.status).toBe(400);

    const anonymous = await fetch(`${server.url}/api/v1/registrations`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toContain("application/problem+json");

    // A signed-in user who is not an administrator may not decide.
    const browser = createBrowser(server.url);
    await server.tessera.services.accounts.create({
      username: "ivan",
      name: "Ivan",
      email: "ivan@example.org",
      password: PASSWORD,
    });
    await browser.login("ivan", PASSWORD);
    const list = await browser.request("/api/v1/registrations", { headers: { accept: "application/json" } });
    expect(list.status).toBe(403);

    const openapi = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/registrations",
        "/api/v1/registrations/{id}/approve",
        "/api/v1/registrations/{id}/reject",
      ]),
    );
  });
});

describe("password reset by email", () => {
  async function user(username: string, password = PASSWORD) {
    await server.tessera.services.accounts.create({
      username,
      name: `User ${username}`,
      email: `${username}@example.net`,
      password,
    });
  }
  async function ask(identifier: string) {
    const browser = createBrowser(server.url);
    const csrf_token = await browser.csrfFrom("/login/reset");
    const response = await browser.post("/login/reset", { csrf_token, identifier });
    return { status: response.status, html: await response.text() };
  }
  const resetMail = (address: string) => sink.waitFor(mailTo(address, /reset your password/i));

  test("the login page links to reset and sign-up", async () => {
    const html = await (await createBrowser(server.url).get("/login")).text();
    expect(html).toContain('href="/login/reset"');
    expect(html).toContain('href="/signup"');
  });

  test("happy path: mail, new password, old sessions ended, old password refused, link single use", async () => {
    await user("judith");
    const signedIn = createBrowser(server.url);
    expect((await signedIn.login("judith", PASSWORD)).status).toBe(303);
    expect((await signedIn.get("/")).status).toBe(200);

    const asked = await ask("judith");
    expect(asked.status).toBe(200);
    const mail = await resetMail("judith@example.net");
    const link = linkIn(mail, `${server.url}/login/reset/confirm?token=`);
    const token = new URL(link).searchParams.get("token") as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await server.tessera.store.db.selectFrom("password_resets").select("token_hash").execute();
    expect(rows.map((r) => r.token_hash)).not.toContain(token);

    const browser = createBrowser(server.url);
    const form = await browser.get(link.slice(server.url.length));
    expect(form.status).toBe(200);
    const html = await form.text();
    const csrf_token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] as string;
    const weak = await browser.post("/login/reset/confirm", { csrf_token, token, password: "too short" });
    expect(weak.status).toBe(400);
    const noCsrf = await browser.post("/login/reset/confirm", { token, password: "my brand new password" });
    expect(noCsrf.status).toBe(403);
    const done = await browser.post("/login/reset/confirm", {
      csrf_token,
      token,
      password: "my brand new password",
    });
    expect(done.status).toBe(200);

    expect((await signedIn.get("/")).status).toBe(303); // the old session is over
    expect((await createBrowser(server.url).login("judith", PASSWORD)).status).toBe(401);
    expect((await createBrowser(server.url).login("judith", "my brand new password")).status).toBe(303);

    const reuse = await browser.post("/login/reset/confirm", {
      csrf_token,
      token,
      password: "yet another password",
    });
    expect(reuse.status).toBe(400);
    expect((await browser.get(link.slice(server.url.length))).status).toBe(400);

    const events = await server.tessera.store.db
      .selectFrom("audit_events")
      .select("event")
      .where("username", "=", "judith")
      .where("event", "like", "password_reset.%")
      .orderBy("id")
      .execute();
    expect(events.map((e) => e.event)).toEqual(["password_reset.requested", "password_reset.completed"]);
  });

  test("an unknown account gets the same page and no mail", async () => {
    await user("karl");
    const known = await ask("karl");
    await resetMail("karl@example.net");
    const before = sink.messages.length;
    const unknown = await ask("nobody-here");
    const unknownEmail = await ask("nobody@example.net");
    expect(unknown.status).toBe(known.status);
    expect(unknownEmail.status).toBe(known.status);
    const clean = (html: string) => html.replace(/value="[^"]*"/g, "");
    expect(clean(unknown.html)).toBe(clean(known.html));
    expect(clean(unknownEmail.html)).toBe(clean(known.html));
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages.length).toBe(before);
  });

  test("asking by email address works too", async () => {
    await user("lena");
    expect((await ask("LENA@example.net")).status).toBe(200);
    const mail = await resetMail("lena@example.net");
    expect(mail.text).toContain('"lena"');
  });

  test("an expired account asked for by email gets no mail (regression: email lookups lost the end date)", async () => {
    await user("mira");
    const account = await server.tessera.services.accounts.findByUsername("mira");
    await server.tessera.services.accounts.update(account?.id as string, {
      endsAt: server.clock.now() - 1000,
    });
    const before = sink.messages.length;
    expect((await ask("mira@example.net")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages.length).toBe(before);
  });

  test("a link expires after an hour", async () => {
    await user("milo");
    await ask("milo");
    const link = linkIn(await resetMail("milo@example.net"), `${server.url}/login/reset/confirm?token=`);
    const browser = createBrowser(server.url);
    const html = await (await browser.get(link.slice(server.url.length))).text();
    const csrf_token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] as string;
    server.clock.advance(3_600_000 + 1000);
    expect((await browser.get(link.slice(server.url.length))).status).toBe(400);
    const token = new URL(link).searchParams.get("token") as string;
    const late = await browser.post("/login/reset/confirm", {
      csrf_token,
      token,
      password: "my brand new password",
    });
    expect(late.status).toBe(400);
    expect((await createBrowser(server.url).login("milo", PASSWORD)).status).toBe(303);
  });

  test("asking is CSRF-protected and throttled per target", async () => {
    const browser = createBrowser(server.url);
    await browser.get("/login/reset");
    expect((await browser.post("/login/reset", { identifier: "karl" })).status).toBe(403);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await ask("someone-targeted")).status);
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(429);
  });
});

test("closed sign-up: the page and the API refuse", async () => {
  const closed = await startTestServer({ TESSERA_SIGNUP_MODE: "closed" });
  try {
    expect((await createBrowser(closed.url).get("/signup")).status).toBe(404);
    const response = await fetch(`${closed.url}/api/v1/registrations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        username: "x1",
        name: "X",
        email: "x@example.org",
        password: PASSWORD,
        aup_accepted: true,
      }),
    });
    expect(response.status).toBe(403);
  } finally {
    await closed.close();
  }
});
