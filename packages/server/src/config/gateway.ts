/**
 * The gateway's structured options (YAML file only: lists and maps do not fit one environment
 * variable): `gateway.trustedIssuers`, `gateway.groupScopes`, `gateway.allowedRedirectDomains`.
 * Every problem names the entry and the field.
 */
export interface TrustedIssuerConfig {
  issuer: string;
  audiences?: string[];
  jwksUri?: string;
}

export interface GatewayFileOptions {
  trustedIssuers: TrustedIssuerConfig[];
  groupScopes: Record<string, string[]>;
  allowedRedirectDomains: string[];
}

export const GATEWAY_FILE_KEYS = [
  "gateway.trustedIssuers",
  "gateway.groupScopes",
  "gateway.allowedRedirectDomains",
] as const;

export const GATEWAY_DOCS: Record<(typeof GATEWAY_FILE_KEYS)[number], { default: string; doc: string }> = {
  "gateway.trustedIssuers": {
    default: "[]",
    doc: "Other issuers whose JWT access tokens `GET /auth` accepts (Tessera's own are always accepted), a list: `{issuer, audiences?, jwksUri?}`; keys are found through the issuer's discovery document unless `jwksUri` is given, and `audiences` (none: any) restrict the `aud` accepted besides the WLCG any-audience. https only, except on loopback addresses.",
  },
  "gateway.groupScopes": {
    default: "{}",
    doc: "Gateway scopes granted through group membership, a map from group name to scopes: `{/rubin/data-rights: [read:tap]}`. Members hold those scopes in their sessions and may put them in their tokens; a scope named here is held only through these groups. Listed to users at `GET /api/v1/me/tokens/scopes`.",
  },
  "gateway.allowedRedirectDomains": {
    default: "the issuer's host",
    doc: "Domains `/login?rd=` may send the browser back to after sign-in (the exact host or any subdomain, any port), a list: `[example.org]`. https only, except on loopback hosts, which are never allowed by default (other ports there are other services): list `127.0.0.1` or `localhost` explicitly for a local setup. The issuer's own origin is always allowed.",
  },
};

const GROUP = /^(\/[a-zA-Z0-9][a-zA-Z0-9_.-]*)+$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const LOOPBACK = ["127.0.0.1", "localhost", "[::1]"];

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "localhost";
  }
}

function isAcceptableUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    if (url.protocol === "https:") return true;
    return url.protocol === "http:" && LOOPBACK.includes(url.hostname);
  } catch {
    return false;
  }
}

export function parseGatewayOptions(
  gateway: unknown,
  issuer: string,
  fileName: string | undefined,
  problems: string[],
): GatewayFileOptions {
  const g = (gateway !== null && typeof gateway === "object" ? gateway : {}) as Record<string, unknown>;
  const where = (key: string) => `gateway.${key} (in ${fileName})`;
  const out: GatewayFileOptions = { trustedIssuers: [], groupScopes: {}, allowedRedirectDomains: [] };

  if (g.trustedIssuers !== undefined && g.trustedIssuers !== null) {
    if (!Array.isArray(g.trustedIssuers))
      problems.push(`${where("trustedIssuers")}: expected a list of issuers`);
    else {
      const seen = new Set<string>();
      g.trustedIssuers.forEach((entry: unknown, index) => {
        const at = `gateway.trustedIssuers[${index}] (in ${fileName})`;
        const field = (name: string) => `gateway.trustedIssuers[${index}].${name} (in ${fileName})`;
        if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
          problems.push(`${at}: expected a mapping with issuer, audiences?, jwksUri?`);
          return;
        }
        const e = entry as Record<string, unknown>;
        for (const key of Object.keys(e)) {
          if (!["issuer", "audiences", "jwksUri"].includes(key))
            problems.push(`${field(key)}: unknown field`);
        }
        if (!isAcceptableUrl(e.issuer)) {
          problems.push(
            `${field("issuer")}: expected an https URL (http only on loopback), got ${JSON.stringify(e.issuer)}`,
          );
          return;
        }
        if (e.issuer === issuer || seen.has(e.issuer)) {
          problems.push(`${field("issuer")}: ${e.issuer} is listed twice or is this server (always trusted)`);
          return;
        }
        seen.add(e.issuer);
        const item: TrustedIssuerConfig = { issuer: e.issuer };
        if (e.jwksUri !== undefined) {
          if (isAcceptableUrl(e.jwksUri)) item.jwksUri = e.jwksUri;
          else problems.push(`${field("jwksUri")}: expected an https URL (http only on loopback)`);
        }
        if (e.audiences !== undefined) {
          if (Array.isArray(e.audiences) && e.audiences.every((a) => typeof a === "string" && a.length > 0))
            item.audiences = e.audiences as string[];
          else problems.push(`${field("audiences")}: expected a list of strings`);
        }
        out.trustedIssuers.push(item);
      });
    }
  }

  if (g.groupScopes !== undefined && g.groupScopes !== null) {
    if (typeof g.groupScopes !== "object" || Array.isArray(g.groupScopes))
      problems.push(`${where("groupScopes")}: expected a map of group name to scopes`);
    else {
      for (const [group, scopes] of Object.entries(g.groupScopes as Record<string, unknown>)) {
        const at = `gateway.groupScopes.${group} (in ${fileName})`;
        if (!GROUP.test(group)) problems.push(`${at}: ${JSON.stringify(group)} is not a group name (/a/b)`);
        else if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === "string" && SCOPE.test(s)))
          problems.push(`${at}: expected a list of scopes`);
        else out.groupScopes[group] = scopes as string[];
      }
    }
  }

  const domains = g.allowedRedirectDomains;
  if (domains === undefined || domains === null) {
    // The issuer's own host and its subdomains; never a loopback host by default, where other
    // ports are other people's services (configure it explicitly for a test setup).
    const host = hostOf(issuer);
    out.allowedRedirectDomains = LOOPBACK.includes(host) || /^127\./.test(host) ? [] : [host];
  } else if (!Array.isArray(domains))
    problems.push(`${where("allowedRedirectDomains")}: expected a list of domains`);
  else {
    for (const domain of domains) {
      const text = typeof domain === "string" ? domain.toLowerCase() : "";
      if (DOMAIN.test(text) || LOOPBACK.includes(text) || /^\d{1,3}(\.\d{1,3}){3}$/.test(text))
        out.allowedRedirectDomains.push(text);
      else
        problems.push(`${where("allowedRedirectDomains")}: ${JSON.stringify(domain)} is not a domain name`);
    }
  }
  return out;
}
