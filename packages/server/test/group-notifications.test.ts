import { afterAll, beforeAll, expect, test } from "vitest";
import { startSmtpSink } from "./support/smtp-sink.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
let server: TestServer;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;

beforeAll(async () => {
  sink = await startSmtpSink();
  server = await startTestServer({ TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP, TESSERA_SMTP_URL: sink.url });
});
afterAll(async () => {
  await server.close();
  await sink.close();
});

test("a membership request is mailed to the group's managers, and the decision to the applicant", async () => {
  const services = server.tessera.services;
  const manager = await services.accounts.create({
    username: "mgr",
    name: "Manager",
    email: "mgr@example.org",
  });
  const applicant = await services.accounts.create({
    username: "app",
    name: "Applicant",
    email: "app@example.org",
  });
  const group = await services.groups.create({ name: "/cta" });
  await services.groups.putMember(null, group.id, manager.id, { manager: true });

  const request = await services.groups.request(applicant, group.id, "I build telescopes");
  const asked = await sink.waitFor((m) => m.to.includes("mgr@example.org"));
  expect(asked.subject).toBe("Membership request for /cta");
  expect(asked.text).toContain("I build telescopes");
  // Regression: the link pointed at /dashboard/manager, a page the dashboard does not have.
  expect(asked.text).toContain(`${server.url}/dashboard/manage`);
  expect(asked.text).not.toContain("/dashboard/manager");

  await services.groups.decide({ ...manager, isAdmin: false }, request.id, false, "not yet");
  const told = await sink.waitFor((m) => m.to.includes("app@example.org"));
  expect(told.subject).toBe("Your request to join /cta was rejected");
  expect(told.text).toContain("not yet");
});
