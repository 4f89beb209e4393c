import { createHash, randomBytes } from "node:crypto";
import { githubTeamGroupName } from "./github-group-name.js";
import type { UpstreamIdentity } from "./identity.js";
import type { GithubProviderConfig } from "./provider-settings.js";
import { type PendingAuthorization, type Upstream, UpstreamError } from "./upstream.js";

const random = () => randomBytes(32).toString("base64url");
const text = (value: unknown): string | null =>
  typeof value === "string" && value.length > 0 ? value.slice(0, 512) : null;

/**
 * GitHub, which speaks OAuth 2.0 but not OpenID Connect: the user is whoever `GET /user` says
 * (subject: the numeric id, which survives renames), the email the primary verified one of
 * `GET /user/emails`, and team memberships from `GET /user/teams` become groups `/<org>-<team>`.
 * The URLs are configurable for GitHub Enterprise (and for tests, since no GitHub runs here).
 */
export function createGithubUpstream(provider: GithubProviderConfig): Upstream {
  const allowed = new Set(provider.organisations.map((o) => o.toLowerCase()));

  async function call(url: string, init: RequestInit, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new UpstreamError("unavailable", `cannot reach GitHub (${what}): ${(error as Error).message}`);
    }
    if (!response.ok)
      throw new UpstreamError("invalid_response", `GitHub ${what} answered ${response.status}`);
    return response.json().catch(() => {
      throw new UpstreamError("invalid_response", `GitHub ${what} sent no JSON`);
    });
  }

  return {
    id: provider.id,
    name: provider.name,

    async start(redirectUri) {
      const pending: PendingAuthorization = { state: random(), nonce: "", codeVerifier: random() };
      const url = new URL(provider.authorizeUrl);
      url.search = new URLSearchParams({
        client_id: provider.clientId,
        redirect_uri: redirectUri,
        scope: "read:user user:email read:org",
        state: pending.state,
        // GitHub supports PKCE (S256) since 2025; servers that ignore it lose nothing.
        code_challenge: createHash("sha256").update(pending.codeVerifier).digest("base64url"),
        code_challenge_method: "S256",
        allow_signup: "false",
      }).toString();
      return { url: url.href, pending };
    },

    async finish(callback, pending) {
      const query = callback.searchParams;
      if (query.get("state") !== pending.state)
        throw new UpstreamError("invalid_response", "the state does not match this sign-in");
      if (query.get("error"))
        throw new UpstreamError("access_denied", `GitHub answered ${query.get("error")}`);
      const code = query.get("code");
      if (!code) throw new UpstreamError("invalid_response", "GitHub sent no code");
      const redirectUri = `${callback.origin}${callback.pathname}`;
      const token = (await call(
        provider.tokenUrl,
        {
          method: "POST",
          headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            client_id: provider.clientId,
            client_secret: provider.clientSecret,
            code,
            redirect_uri: redirectUri,
            code_verifier: pending.codeVerifier,
          }).toString(),
        },
        "token endpoint",
      )) as { access_token?: unknown; error?: unknown };
      // GitHub reports a bad code with status 200 and an `error` member.
      if (typeof token.access_token !== "string")
        throw new UpstreamError(
          "invalid_response",
          `GitHub refused the code (${String(token.error ?? "no token")})`,
        );
      const api = (path: string) =>
        call(
          `${provider.apiBaseUrl}${path}`,
          {
            headers: {
              accept: "application/vnd.github+json",
              authorization: `Bearer ${token.access_token}`,
              "x-github-api-version": "2022-11-28",
            },
          },
          path,
        );
      const user = (await api("/user")) as { id?: unknown; login?: unknown; name?: unknown };
      if (typeof user.id !== "number" || typeof user.login !== "string")
        throw new UpstreamError("invalid_response", "GitHub /user sent no id and login");
      const emails = (await api("/user/emails")) as { email: string; primary: boolean; verified: boolean }[];
      const primary = Array.isArray(emails) ? emails.find((e) => e.primary && e.verified) : undefined;
      const teams = (await api("/user/teams?per_page=100")) as {
        slug: string;
        organization: { login: string };
      }[];
      const memberships = (Array.isArray(teams) ? teams : []).filter(
        (t) => allowed.size === 0 || allowed.has(t.organization.login.toLowerCase()),
      );
      if (allowed.size > 0 && memberships.length === 0)
        throw new UpstreamError(
          "not_allowed",
          "you are not in a team of an organisation allowed to sign in here",
        );
      const identity: UpstreamIdentity = {
        provider: provider.id,
        subject: String(user.id),
        email: text(primary?.email),
        emailVerified: primary !== undefined,
        name: text(user.name),
        preferredUsername: text(user.login),
        groups: [...new Set(memberships.map((t) => `/${githubTeamGroupName(t.organization.login, t.slug)}`))],
      };
      return identity;
    },
  };
}
