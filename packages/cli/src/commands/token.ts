import * as oidc from "openid-client";
import { type OpenAccount, openAccount } from "../account-session.js";
import { writeFileAtomic } from "../atomic-write.js";
import { bearerTokenFilePath } from "../bearer-discovery.js";
import { type ScopedToken, scopedTokenKey } from "../cache/account-entry.js";
import { loadRefreshToken, storeRefreshToken } from "../cache/token-cache.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { connectIssuer, withReadableErrors } from "../issuer-client.js";
import { accessTokenFrom, splitScopes, validFor } from "../token-response.js";

export interface TokenRequest {
  account?: string;
  /** Scopes for a narrower token (repeatable `-s`); none means the main access token. */
  scope?: string[];
  aud?: string;
  /** Seconds the token must stay valid; refreshed below that. Default 60. */
  minValid?: number;
}

export interface TokenOptions extends TokenRequest {
  /** Also write the token to the WLCG bearer-token-discovery file. */
  bt?: boolean;
}

/** `tessera token`: prints a valid access token, refreshing or down-scoping as needed. */
export async function tokenCommand(ctx: CliContext, options: TokenOptions): Promise<number> {
  const token = await obtainAccessToken(ctx, options);
  if (options.bt) {
    const file = bearerTokenFilePath({ env: ctx.env, uid: ctx.uid });
    await writeFileAtomic(file, `${token}\n`, 0o600);
    ctx.stderr.write(`Token written to ${file}\n`);
  }
  ctx.stdout.write(`${token}\n`);
  return 0;
}

/**
 * A valid access token for the account: the cached one when it stays valid for `minValid`
 * seconds, else a refreshed one. With scopes or an audience, a narrower token from the refresh
 * grant (`scope`, `audience`), cached apart under its scope+audience key; the main access token
 * is kept, and a rotated refresh token replaces the old one.
 */
export async function obtainAccessToken(ctx: CliContext, request: TokenRequest): Promise<string> {
  const opened = await openAccount(ctx, request.account);
  const minValid = request.minValid ?? 60;
  if (!Number.isFinite(minValid) || minValid < 0)
    throw new CliError("--min-valid must be a number of seconds");
  const scopes = splitScopes(request.scope);
  const audience = splitScopes(request.aud).join(" ") || undefined;
  const now = ctx.now();
  const { entry } = opened;

  if (scopes.length === 0 && audience === undefined) {
    if (entry.accessToken && validFor(entry.accessToken, minValid, now)) return entry.accessToken.token;
    const tokens = await refresh(ctx, opened, {});
    entry.accessToken = accessTokenFrom(tokens, ctx.now());
    if (tokens.id_token) entry.idToken = tokens.id_token;
    await opened.cache.write(entry);
    return tokens.access_token;
  }

  const key = scopedTokenKey(scopes, audience);
  const cached = entry.scopedTokens[key];
  if (cached && validFor(cached, minValid, now)) return cached.token;
  const parameters: Record<string, string> = {};
  if (scopes.length > 0) parameters.scope = scopes.join(" ");
  if (audience) parameters.audience = audience;
  const tokens = await refresh(ctx, opened, parameters);
  const scoped: ScopedToken = accessTokenFrom(tokens, ctx.now());
  if (audience) scoped.audience = audience;
  entry.scopedTokens[key] = scoped;
  await opened.cache.write(entry);
  return tokens.access_token;
}

async function refresh(
  ctx: CliContext,
  { entry }: OpenAccount,
  parameters: Record<string, string>,
): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
  const refreshToken = await loadRefreshToken(entry, ctx.env.TESSERA_PASSPHRASE);
  if (!refreshToken) {
    throw new CliError("the access token has expired and there is no refresh token: run `tessera login`");
  }
  const config = await connectIssuer(entry.issuer, entry.client.clientId, ctx.env);
  let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  try {
    tokens = await withReadableErrors(entry.issuer, () =>
      oidc.refreshTokenGrant(config, refreshToken, parameters),
    );
  } catch (error) {
    if (error instanceof oidc.ResponseBodyError && error.error === "invalid_grant") {
      throw new CliError("the refresh token is no longer valid: run `tessera login`", 1, { cause: error });
    }
    throw error;
  }
  // A rotated refresh token replaces the old one at once: the old one is now spent.
  if (tokens.refresh_token && tokens.refresh_token !== refreshToken) {
    await storeRefreshToken(entry, tokens.refresh_token, ctx.env.TESSERA_PASSPHRASE, {
      expiresIn: tokens.refresh_expires_in,
      nowMs: ctx.now(),
    });
  }
  return tokens;
}
