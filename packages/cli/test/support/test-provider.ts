import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";

/** The user every test logs in as, with the claims an INDIGO IAM ID token carries. */
export const ALICE = {
  sub: "alice",
  name: "Alice Example",
  email: "alice@example.org",
  groups: ["/atlas", "/atlas/production"],
  "wlcg.groups": ["/atlas", "/atlas/production"],
  organisation_name: "atlas",
};

export const INTROSPECTOR = { id: "introspector", secret: "introspector-secret-0123456789" };
/** A pre-registered public client whose device codes live `shortDeviceCodeTtl` seconds. */
export const SHORT_LIVED_CLIENT = "short-lived-cli";

export interface TestProvider {
  issuer: string;
  metadata: Record<string, unknown>;
  /** Make the next n `authorization_pending` answers `slow_down` instead. */
  slowDownNext(n: number): void;
  /** Drive the provider's own device pages like a browser: enter the code, confirm (or abort), log in, consent. */
  approveDevice(verificationUriComplete: string, options?: { deny?: boolean }): Promise<void>;
  introspect(token: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A real oidc-provider v8 on 127.0.0.1 with an ephemeral port. */
export async function startTestProvider(
  options: { shortDeviceCodeTtl?: number } = {},
): Promise<TestProvider> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: "test-rs256", alg: "RS256", use: "sig" };
  const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code";

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: INTROSPECTOR.id,
        client_secret: INTROSPECTOR.secret,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: SHORT_LIVED_CLIENT,
        token_endpoint_auth_method: "none",
        grant_types: [deviceGrant, "refresh_token"],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ["test-cookie-key-0123456789"] },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
      registration: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      clientCredentials: { enabled: true },
    },
    scopes: ["openid", "offline_access", "profile", "email", "wlcg", "wlcg.groups"],
    claims: {
      profile: ["name"],
      email: ["email"],
      wlcg: ["organisation_name"],
      "wlcg.groups": ["groups", "wlcg.groups"],
    },
    conformIdTokenClaims: false,
    extraParams: ["audience"],
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({ ...ALICE, sub: id }),
    }),
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed("refresh_token"),
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: 3600,
      IdToken: 3600,
      RefreshToken: 86_400,
      Grant: 86_400,
      Session: 86_400,
      Interaction: 600,
      DeviceCode: (_ctx: unknown, _token: unknown, client: { clientId: string }) =>
        client.clientId === SHORT_LIVED_CLIENT ? (options.shortDeviceCodeTtl ?? 1) : 600,
    },
  });

  let slowDowns = 0;
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { error?: string } | undefined;
    if (
      ctx.path === "/token" &&
      ctx.status === 400 &&
      body?.error === "authorization_pending" &&
      slowDowns > 0
    ) {
      slowDowns -= 1;
      ctx.body = { error: "slow_down", error_description: "you are polling too quickly" };
    }
  });

  const providerCallback = provider.callback();
  handler = (req, res) => {
    if (req.url?.startsWith("/interaction/")) {
      finishInteraction(provider, req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    providerCallback(req, res);
  };

  const metadata = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<
    string,
    unknown
  >;

  return {
    issuer,
    metadata,
    slowDownNext(n) {
      slowDowns = n;
    },
    approveDevice: (url, approveOptions) => driveDevicePages(url, approveOptions?.deny === true),
    async introspect(token) {
      const response = await fetch(String(metadata.introspection_endpoint), {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${INTROSPECTOR.id}:${INTROSPECTOR.secret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ token }),
      });
      return (await response.json()) as Record<string, unknown>;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The login and consent prompts, answered the way a real login page would after the user signs in. */
async function finishInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === "login") {
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: ALICE.sub } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const accountId = details.session?.accountId ?? ALICE.sub;
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(" "));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** A browser in miniature: a cookie jar, manual redirects, and the hidden fields of the provider's forms. */
async function driveDevicePages(verificationUriComplete: string, deny: boolean): Promise<void> {
  const jar = new Map<string, string>();
  const send = async (url: string, body?: Record<string, string>): Promise<Response> => {
    const headers: Record<string, string> = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") };
    const init: RequestInit = { redirect: "manual", headers };
    if (body) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      Object.assign(init, { method: "POST", body: new URLSearchParams(body).toString() });
    }
    const response = await fetch(url, init);
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (pair && eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  };
  const hidden = (html: string) =>
    Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]),
    );
  const action = new URL("/device", verificationUriComplete).href;

  // 1. The verification URL carries the code; the page posts it back with an anti-CSRF token.
  const first = hidden(await (await send(verificationUriComplete)).text());
  // 2. The provider shows the confirmation page.
  const confirm = hidden(await (await send(action, first as Record<string, string>)).text());
  if (deny) {
    const { confirm: _yes, ...rest } = confirm as Record<string, string>;
    const aborted = await send(action, { ...rest, abort: "yes" });
    if (!(await aborted.text()).includes("interrupted")) throw new Error("abort page not shown");
    return;
  }
  // 3. Confirm, then follow redirects through login and consent to the success page.
  let response = await send(action, confirm as Record<string, string>);
  for (let hops = 0; hops < 10 && response.status >= 300 && response.status < 400; hops += 1) {
    const location = response.headers.get("location");
    if (!location) break;
    await response.body?.cancel();
    response = await send(new URL(location, action).href);
  }
  const text = await response.text();
  if (response.status !== 200 || !/success|signed in|sign-in/i.test(text)) {
    throw new Error(`device approval failed: ${response.status} ${text.slice(0, 300)}`);
  }
}
