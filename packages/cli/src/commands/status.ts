import { openAccount } from "../account-session.js";
import { loadRefreshToken } from "../cache/token-cache.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { groupsOf, peekClaims } from "../jwt-claims.js";
import { relativeTime } from "../relative-time.js";
import { validFor } from "../token-response.js";

export interface StatusOptions {
  account?: string;
  json?: boolean;
}

export interface StatusReport {
  account: string;
  issuer: string;
  filename: string;
  valid: boolean;
  validStarting: string | null;
  expires: string | null;
  name: string | null;
  email: string | null;
  groups: string[];
  organization: string | null;
  scopes: string[];
  refreshTokenExpires: string | null;
}

/**
 * `tessera status`: the fields panda_auth prints (Filename, Valid starting, Expires, Name,
 * Email, Groups, Organization), plus scopes and refresh-token expiry. Exit code 1 when there is
 * no valid access token.
 */
export async function statusCommand(ctx: CliContext, options: StatusOptions): Promise<number> {
  const report = await statusReport(ctx, options.account);
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.valid ? 0 : 1;
  }
  const now = ctx.now();
  const when = (iso: string | null) => (iso ? `${iso} (${relativeTime(Date.parse(iso), now)})` : "unknown");
  const lines: [string, string][] = [
    ["Filename", report.filename],
    ["Account", `${report.account} at ${report.issuer}`],
    ["Valid starting", when(report.validStarting)],
    ["Expires", report.valid || !report.expires ? when(report.expires) : `${when(report.expires)}, expired`],
    ["Name", report.name ?? ""],
    ["Email", report.email ?? ""],
    ["Groups", report.groups.join(", ")],
    ["Organization", report.organization ?? ""],
    ["Scopes", report.scopes.join(" ")],
    ["Refresh token expires", when(report.refreshTokenExpires)],
  ];
  for (const [label, value] of lines) ctx.stdout.write(`${label}: ${value}\n`);
  if (!report.valid)
    ctx.stderr.write("No valid access token: run `tessera token` to refresh or `tessera login`.\n");
  return report.valid ? 0 : 1;
}

export async function statusReport(ctx: CliContext, account: string | undefined): Promise<StatusReport> {
  const { cache, name, entry } = await openAccount(ctx, account);
  const idClaims = peekClaims(entry.idToken);
  const access = entry.accessToken;
  const iso = (seconds: number | undefined) =>
    seconds === undefined ? null : new Date(seconds * 1000).toISOString();
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);
  return {
    account: name,
    issuer: entry.issuer,
    filename: cache.fileFor(name),
    valid: validFor(access, 0, ctx.now()),
    validStarting: iso(access?.issuedAt),
    expires: iso(access?.expiresAt),
    name: text(idClaims?.name),
    email: text(idClaims?.email),
    groups: groupsOf(idClaims),
    organization: text(idClaims?.organisation_name ?? idClaims?.organization_name),
    scopes: (access?.scope ?? "").split(/\s+/).filter(Boolean),
    refreshTokenExpires: await refreshExpiry(ctx, entry),
  };
}

async function refreshExpiry(
  ctx: CliContext,
  entry: Parameters<typeof loadRefreshToken>[0],
): Promise<string | null> {
  if (!entry.refreshToken) return null;
  if (entry.refreshTokenExpiresAt !== undefined)
    return new Date(entry.refreshTokenExpiresAt * 1000).toISOString();
  // Otherwise the token itself may say (a JWT, as INDIGO IAM issues).
  if ("sealed" in entry.refreshToken && !ctx.env.TESSERA_PASSPHRASE) return null;
  try {
    const exp = peekClaims(await loadRefreshToken(entry, ctx.env.TESSERA_PASSPHRASE))?.exp;
    return typeof exp === "number" ? new Date(exp * 1000).toISOString() : null;
  } catch (error) {
    if (error instanceof CliError) return null;
    throw error;
  }
}
