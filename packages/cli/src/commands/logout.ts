import * as oidc from "openid-client";
import { openAccount } from "../account-session.js";
import { loadRefreshToken } from "../cache/token-cache.js";
import type { CliContext } from "../context.js";
import { CliError, describeError } from "../errors.js";
import { connectIssuer, withReadableErrors } from "../issuer-client.js";

export interface LogoutOptions {
  account?: string;
  /** Delete the cache entry even when the server cannot be told. */
  force?: boolean;
}

/**
 * `tessera logout`: revokes the refresh token (RFC 7009, at the issuer's `revocation_endpoint`),
 * then deletes the cache entry. When revocation fails the entry stays, unless `--force`.
 */
export async function logoutCommand(ctx: CliContext, options: LogoutOptions): Promise<number> {
  const { cache, name, entry } = await openAccount(ctx, options.account);
  try {
    const refreshToken = await loadRefreshToken(entry, ctx.env.TESSERA_PASSPHRASE);
    const config = await connectIssuer(entry.issuer, entry.client.clientId, ctx.env);
    if (!config.serverMetadata().revocation_endpoint) {
      throw new CliError(
        `${entry.issuer} has no revocation endpoint; the tokens stay valid until they expire`,
      );
    }
    await withReadableErrors(entry.issuer, async () => {
      if (refreshToken)
        await oidc.tokenRevocation(config, refreshToken, { token_type_hint: "refresh_token" });
      if (entry.accessToken) {
        await oidc.tokenRevocation(config, entry.accessToken.token, { token_type_hint: "access_token" });
      }
    });
  } catch (error) {
    if (!options.force) {
      throw new CliError(
        `could not revoke the tokens: ${describeError(error)} (use --force to delete them locally)`,
      );
    }
    ctx.stderr.write(`warning: could not revoke the tokens: ${describeError(error)}\n`);
  }
  await cache.remove(name);
  if ((await cache.getDefault()) === name) {
    const remaining = await cache.list();
    await cache.setDefault(remaining[0]);
  }
  ctx.stdout.write(`Logged out of ${entry.issuer} (account ${name}).\n`);
  return 0;
}
