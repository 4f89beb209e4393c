// The `tessera` command against a real Tessera server: dynamic registration, device-code login
// approved in the browser pages, status, tokens and a down-scoped token, as a user would.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "@tessera/cli";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
let home: string;

beforeAll(async () => {
  server = await startTestServer({
    TESSERA_REGISTRATION_ALLOWED_SCOPES: "openid profile email offline_access wlcg wlcg.groups",
  });
  home = await mkdtemp(join(tmpdir(), "tessera-cli-interop-"));
});
afterAll(async () => {
  await server.close();
  await rm(home, { recursive: true, force: true });
});

function context() {
  const out = { stdout: "", stderr: "" };
  const ctx = {
    env: { XDG_CONFIG_HOME: join(home, "config") } as Record<string, string | undefined>,
    now: () => server.clock.now(),
    sleep: async (ms: number) => {
      server.clock.advance(ms);
      await onSleep?.();
    },
    stdout: {
      write: (s: string) => {
        out.stdout += s;
        return true;
      },
    },
    stderr: {
      write: (s: string) => {
        out.stderr += s;
        return true;
      },
    },
    readStdin: async () => "",
    homedir: home,
    uid: 4242,
    openBrowser: () => {},
  };
  let onSleep: (() => Promise<void>) | undefined;
  return { ctx, out, setOnSleep: (f: (() => Promise<void>) | undefined) => (onSleep = f) };
}

async function approveInBrowser(stdout: string) {
  const url = /(http:\/\/\S+\/device\?user_code=\S+)/.exec(stdout)?.[1];
  if (!url) throw new Error(`no verification URL in ${stdout}`);
  const browser = createBrowser(server.url);
  await browser.login("admin", ADMIN_PASSWORD);
  const target = new URL(url);
  const html = await (await browser.get(target.pathname + target.search)).text();
  const csrf_token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] as string;
  const user_code = /name="user_code" value="([^"]+)"/.exec(html)?.[1] as string;
  const approved = await browser.post("/device", { csrf_token, user_code, decision: "approve" });
  expect(approved.status).toBe(200);
}

describe("tessera CLI against Tessera", () => {
  test("login (registration + device flow), status, token, logout", async () => {
    const { ctx, out, setOnSleep } = context();
    let approved = false;
    setOnSleep(async () => {
      if (!approved) {
        approved = true;
        await approveInBrowser(out.stdout);
      }
    });
    const login = await runCli(["login", "--issuer", server.url], ctx as never);
    expect(login, out.stderr).toBe(0);
    setOnSleep(undefined);

    out.stdout = "";
    expect(await runCli(["status"], ctx as never)).toBe(0);
    expect(out.stdout).toMatch(/Name:\s+Administrator/);
    expect(out.stdout).toMatch(/Email:\s+admin@localhost/);
    expect(out.stdout).toMatch(/Organization:\s+tessera/);

    out.stdout = "";
    expect(await runCli(["token"], ctx as never)).toBe(0);
    const token = out.stdout.trim();
    expect(decodeJwt(token)).toMatchObject({ iss: server.url, "wlcg.ver": "1.0" });

    out.stdout = "";
    expect(await runCli(["token", "-s", "openid"], ctx as never), out.stderr).toBe(0);
    expect(decodeJwt(out.stdout.trim()).scope).toBe("openid");

    expect(await runCli(["logout"], ctx as never), out.stderr).toBe(0);
    out.stdout = "";
    expect(await runCli(["status"], ctx as never)).toBe(1);
  });
});
