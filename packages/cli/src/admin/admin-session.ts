import { cacheFor } from "../account-session.js";
import { obtainAccessToken } from "../commands/token.js";
import type { CliContext } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { DEFAULT_ISSUER, parseIssuer } from "../issuer-client.js";
import { ADMIN_LOGIN_HINT, type AdminApi, createAdminApi } from "./admin-api.js";

export interface AdminAuthOptions {
  issuer?: string;
  token?: string;
  account?: string;
}

const sameIssuer = (a: string, b: string) => {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
};

/**
 * The REST API with an administrator's bearer: `--token`, else `$TESSERA_ADMIN_TOKEN` (e.g. the
 * server's bootstrap token), else the cached account's access token, refreshed like `tessera
 * token` does. The issuer: `--issuer`, else `$TESSERA_ISSUER`, else the account's.
 */
export async function openAdminApi(ctx: CliContext, options: AdminAuthOptions): Promise<AdminApi> {
  const cache = cacheFor(ctx);
  const explicit = options.token ?? ctx.env.TESSERA_ADMIN_TOKEN;
  if (explicit !== undefined) {
    const token = explicit.trim();
    const source = options.token !== undefined ? "option" : "environment";
    if (!token) {
      throw new CliError(
        `${source === "option" ? "--token" : "$TESSERA_ADMIN_TOKEN"} is empty`,
        source === "option" ? EXIT.usage : EXIT.auth,
      );
    }
    let issuer = options.issuer ?? ctx.env.TESSERA_ISSUER;
    if (!issuer) {
      const name = options.account ?? (await cache.getDefault());
      issuer = (name ? (await cache.read(name))?.issuer : undefined) ?? DEFAULT_ISSUER;
    }
    parseIssuer(issuer, ctx.env);
    return createAdminApi(issuer, token, source);
  }

  const account = await accountFor(ctx, options);
  let token: string;
  try {
    token = await obtainAccessToken(ctx, { account: account.name });
  } catch (error) {
    // Expired or revoked refresh token: a login problem; unreachable issuer stays a failure.
    if (error instanceof CliError && error.message.includes("tessera login")) {
      throw new CliError(`${error.message} (with ${ADMIN_LOGIN_HINT})`, EXIT.auth, { cause: error });
    }
    throw error;
  }
  return createAdminApi(account.issuer, token, "account");
}

async function accountFor(
  ctx: CliContext,
  options: AdminAuthOptions,
): Promise<{ name: string; issuer: string }> {
  const cache = cacheFor(ctx);
  const notLoggedIn = (what: string) =>
    new CliError(
      `${what}: run \`${ADMIN_LOGIN_HINT}${options.issuer ? ` --issuer ${options.issuer}` : ""}\`, or pass --token (or set $TESSERA_ADMIN_TOKEN)`,
      EXIT.auth,
    );
  if (options.account) {
    const entry = await cache.read(options.account);
    if (!entry) throw notLoggedIn(`no account "${options.account}"`);
    if (options.issuer && !sameIssuer(entry.issuer, options.issuer)) {
      throw new CliError(
        `the account "${options.account}" is for ${entry.issuer}, not ${options.issuer}`,
        EXIT.usage,
      );
    }
    return { name: entry.account, issuer: entry.issuer };
  }
  const wanted = options.issuer ?? ctx.env.TESSERA_ISSUER;
  const defaultName = await cache.getDefault();
  const defaultEntry = defaultName ? await cache.read(defaultName) : undefined;
  if (defaultEntry && (!wanted || sameIssuer(defaultEntry.issuer, wanted))) {
    return { name: defaultEntry.account, issuer: defaultEntry.issuer };
  }
  if (wanted) {
    parseIssuer(wanted, ctx.env);
    for (const name of await cache.list()) {
      const entry = await cache.read(name);
      if (entry && sameIssuer(entry.issuer, wanted)) return { name: entry.account, issuer: entry.issuer };
    }
    throw notLoggedIn(`not logged in to ${wanted}`);
  }
  throw notLoggedIn("not logged in");
}
