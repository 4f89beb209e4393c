// The user's side of a device login at a real Tessera: over HTTP with a cookie jar (sign in at
// /login, open the verification URL, post the decision to /device, exactly the requests the
// pages' forms send), or in headless Chromium clicking the real buttons.
import { chromium, type Page } from "playwright-core";

export interface DeviceDecision {
  /** The consent page (client name, code, scopes) as text, tags stripped. */
  consent: string;
  /** Status of the POST /device. */
  status: number;
  /** The page answering the decision, as text. */
  result: string;
}

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();

/** A signed-in browser session over fetch: cookies kept, redirects not followed. */
export async function signIn(base: string, username: string, password: string) {
  const jar = new Map<string, string>();
  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    headers.set("accept", "text/html");
    const response = await fetch(new URL(path, base), { ...init, headers, redirect: "manual" });
    for (const cookie of response.headers.getSetCookie()) {
      const pair = cookie.split(";")[0] ?? "";
      const at = pair.indexOf("=");
      if (at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  }
  const post = (path: string, form: Record<string, string>) =>
    request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });
  const csrf = (html: string) => {
    const token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error(`no CSRF token in: ${text(html).slice(0, 300)}`);
    return token;
  };
  const login = await post("/login", {
    username,
    password,
    csrf_token: csrf(await (await request("/login")).text()),
  });
  return { status: login.status, request, post, csrf };
}

/** Signs in as `username` and approves (or denies) the device code of `verificationUrl`. */
export async function decideDeviceOverHttp(
  verificationUrl: string,
  username: string,
  password: string,
  decision: "approve" | "deny" = "approve",
): Promise<DeviceDecision> {
  const url = new URL(verificationUrl);
  const browser = await signIn(url.origin, username, password);
  if (browser.status !== 303) throw new Error(`signing in as ${username} answered ${browser.status}`);
  const page = await (await browser.request(url.pathname + url.search)).text();
  const userCode = /name="user_code" value="([^"]+)"/.exec(page)?.[1];
  if (!userCode) throw new Error(`no device consent form at ${verificationUrl}: ${text(page).slice(0, 300)}`);
  const answer = await browser.post("/device", {
    csrf_token: browser.csrf(page),
    user_code: userCode,
    decision,
  });
  return { consent: text(page), status: answer.status, result: text(await answer.text()) };
}

/** Headless Chromium from $CHROMIUM_PATH (scripts/ensure-chromium.sh); never downloaded. */
export const chromiumPath = process.env.CHROMIUM_PATH || undefined;

/** Opens the verification URL in Chromium, signs in on the login page it is sent to, clicks Approve. */
export async function approveDeviceInChromium(
  verificationUrl: string,
  username: string,
  password: string,
): Promise<DeviceDecision> {
  if (!chromiumPath) throw new Error("CHROMIUM_PATH is not set");
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    const page: Page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(verificationUrl);
    if (new URL(page.url()).pathname === "/login") {
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill(password);
      await Promise.all([
        page.waitForURL((u) => u.pathname === "/device"),
        page.getByRole("button", { name: "Sign in" }).click(),
      ]);
    }
    const consent = text((await page.textContent("body")) ?? "");
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/device"),
      page.getByRole("button", { name: "Approve" }).click(),
    ]);
    await page.waitForLoadState();
    return { consent, status: response.status(), result: text((await page.textContent("body")) ?? "") };
  } finally {
    await browser.close();
  }
}
