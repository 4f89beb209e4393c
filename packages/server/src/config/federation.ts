/**
 * `federation.providers`: the upstream identity providers, a list read only from the YAML file
 * (a list does not fit one environment variable). Each entry is checked here; every problem
 * names the entry and the field, like the scalar options' messages.
 */
// The settings are a domain type (the federation services consume them); this module reads and
// checks them from the configuration file.
export type {
  FederationProviderConfig,
  GithubProviderConfig,
  OidcProviderConfig,
} from "../domain/federation/provider-settings.js";

import type {
  FederationProviderConfig,
  GithubProviderConfig,
  OidcProviderConfig,
} from "../domain/federation/provider-settings.js";

export const FEDERATION_PROVIDERS_DOC =
  "Upstream identity providers (YAML file only), a list. OpenID Connect: `{id, name, issuer, clientId, clientSecret, scopes?, trusted?, defaultGroups?}` where `issuer` is the issuer or discovery URL, `scopes` defaults to `[openid, profile, email]`, `trusted: true` enrols unknown users at once with their email taken as verified (otherwise they get a pending account an administrator approves) and `defaultGroups` (`[/cms]`) are given to accounts it creates. GitHub: `{id: github, type: github, clientId, clientSecret, organisations?, trusted?, defaultGroups?}` (plus `authorizeUrl`, `tokenUrl`, `apiBaseUrl` for GitHub Enterprise); team membership becomes groups `/<org>-<team>`, names over 32 characters shortened as Rubin's Gafaelfawr does. The callback URL to register upstream is `<issuer>/login/federated/<id>/callback`.";

const ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const GROUP = /^(\/[a-zA-Z0-9][a-zA-Z0-9_.-]*)+$/;
const GITHUB_DEFAULTS = {
  authorizeUrl: "https://github.com/login/oauth/authorize",
  tokenUrl: "https://github.com/login/oauth/access_token",
  apiBaseUrl: "https://api.github.com",
};

/** http is allowed only for loopback addresses (tests, a provider on the same machine). */
function isAcceptableUrl(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.protocol === "https:") return true;
    return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  } catch {
    return false;
  }
}

export function parseFederationProviders(
  value: unknown,
  fileName: string | undefined,
  problems: string[],
): FederationProviderConfig[] {
  if (value === undefined || value === null) return [];
  const where = `federation.providers (in ${fileName})`;
  if (!Array.isArray(value)) {
    problems.push(`${where}: expected a list of providers`);
    return [];
  }
  const out: FederationProviderConfig[] = [];
  const seen = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const at = `federation.providers[${index}] (in ${fileName})`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      problems.push(`${at}: expected a mapping with id, clientId, clientSecret, …`);
      return;
    }
    const e = entry as Record<string, unknown>;
    const before = problems.length;
    const fail = (field: string, expected: string, secret = false) =>
      problems.push(
        `${at}.${field}: expected ${expected}, got ${e[field] === undefined ? "nothing" : secret ? "the given value" : JSON.stringify(e[field])}`,
      );
    const type = e.type ?? "oidc";
    if (type !== "oidc" && type !== "github") fail("type", "oidc or github");
    const known =
      type === "github"
        ? [
            "id",
            "name",
            "type",
            "clientId",
            "clientSecret",
            "organisations",
            "trusted",
            "defaultGroups",
            ...Object.keys(GITHUB_DEFAULTS),
          ]
        : ["id", "name", "type", "issuer", "clientId", "clientSecret", "scopes", "trusted", "defaultGroups"];
    for (const key of Object.keys(e)) if (!known.includes(key)) problems.push(`${at}.${key}: unknown field`);
    const string = (field: string, secret = false): string => {
      const v = e[field];
      if (typeof v !== "string" || v.trim() === "") {
        fail(field, "a non-empty string", secret);
        return "";
      }
      return v;
    };
    const list = (field: string, pattern: RegExp, hint: string, fallback: string[]): string[] => {
      const v = e[field];
      if (v === undefined || v === null) return fallback;
      if (!Array.isArray(v) || !v.every((x) => typeof x === "string" && pattern.test(x))) {
        fail(field, `a list of ${hint}`);
        return fallback;
      }
      return v as string[];
    };
    const url = (field: string, fallback?: string): string => {
      const v = e[field] ?? fallback;
      if (typeof v !== "string" || !isAcceptableUrl(v)) {
        fail(field, "an https URL (http only on loopback)");
        return "";
      }
      return v.replace(/\/+$/, "");
    };
    const id = string("id");
    if (id && !ID.test(id)) fail("id", "1-32 of a-z 0-9 _ - (it is part of the callback URL)");
    if (id && seen.has(id)) problems.push(`${at}.id: duplicate provider id ${JSON.stringify(id)}`);
    seen.add(id);
    const common = {
      id,
      name: e.name === undefined && type === "github" ? "GitHub" : string("name"),
      clientId: string("clientId"),
      clientSecret: string("clientSecret", true),
      trusted: e.trusted === undefined ? false : e.trusted === true,
      defaultGroups: list("defaultGroups", GROUP, "group names such as /cms", []),
    };
    if (e.trusted !== undefined && typeof e.trusted !== "boolean") fail("trusted", "true or false");
    if (type === "github") {
      const provider: GithubProviderConfig = {
        ...common,
        type: "github",
        organisations: list(
          "organisations",
          /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/,
          "GitHub organisation names",
          [],
        ),
        authorizeUrl: url("authorizeUrl", GITHUB_DEFAULTS.authorizeUrl),
        tokenUrl: url("tokenUrl", GITHUB_DEFAULTS.tokenUrl),
        apiBaseUrl: url("apiBaseUrl", GITHUB_DEFAULTS.apiBaseUrl),
      };
      if (problems.length === before) out.push(provider);
      return;
    }
    const provider: OidcProviderConfig = {
      ...common,
      type: "oidc",
      issuer: url("issuer"),
      scopes: list("scopes", /^[\x21\x23-\x5b\x5d-\x7e]+$/, "scope names", ["openid", "profile", "email"]),
    };
    if (!provider.scopes.includes("openid")) fail("scopes", "a list that includes openid");
    if (problems.length === before) out.push(provider);
  });
  return out;
}
