import type { AccountEntry } from "./cache/account-entry.js";
import { cacheDirectory, createTokenCache, type TokenCache } from "./cache/token-cache.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";

export interface OpenAccount {
  cache: TokenCache;
  name: string;
  entry: AccountEntry;
}

export function cacheFor(ctx: CliContext): TokenCache {
  return createTokenCache(cacheDirectory(ctx.env, ctx.homedir));
}

/** The account named by `--account`, else the default one; an error when there is none. */
export async function openAccount(ctx: CliContext, account: string | undefined): Promise<OpenAccount> {
  const cache = cacheFor(ctx);
  const name = account ?? (await cache.getDefault());
  if (!name) throw new CliError("not logged in: run `tessera login`");
  const entry = await cache.read(name);
  if (!entry) {
    throw new CliError(
      account
        ? `no account "${name}": run \`tessera login --account ${name}\``
        : "not logged in: run `tessera login`",
    );
  }
  return { cache, name, entry };
}
