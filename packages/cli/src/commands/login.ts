import type * as oidc from "openid-client";
import { ResponseBodyError } from "openid-client";
import { cacheFor } from "../account-session.js";
import type { AccountEntry, ClientRecord, PendingDevice } from "../cache/account-entry.js";
import { accountNameForIssuer, storeRefreshToken, type TokenCache } from "../cache/token-cache.js";
import type { CliContext } from "../context.js";
import { pollDeviceToken, startDeviceAuthorization } from "../device-flow.js";
import { CliError } from "../errors.js";
import {
  connectIssuer,
  DEFAULT_ISSUER,
  DEFAULT_SCOPE,
  parseIssuer,
  registerPublicClient,
} from "../issuer-client.js";
import { renderQrCode } from "../qr-code.js";
import { startSpinner } from "../spinner.js";
import { accessTokenFrom, splitScopes } from "../token-response.js";

export interface LoginOptions {
  issuer?: string;
  client?: string;
  scope?: string[];
  audience?: string[];
  /** False with `--no-wait`: print the code and exit; `--continue` finishes later. */
  wait?: boolean;
  continue?: boolean;
  browser?: boolean;
  account?: string;
}

/** `tessera login`: the device authorization grant, with dynamic registration when no client is known. */
export async function loginCommand(ctx: CliContext, options: LoginOptions): Promise<number> {
  const cache = cacheFor(ctx);
  const defaultName = await cache.getDefault();
  const defaultEntry = defaultName ? await cache.read(defaultName) : undefined;
  const named = options.account ? await cache.read(options.account) : undefined;
  const issuer =
    options.issuer ?? ctx.env.TESSERA_ISSUER ?? named?.issuer ?? defaultEntry?.issuer ?? DEFAULT_ISSUER;
  parseIssuer(issuer, ctx.env);
  const account =
    options.account ??
    (defaultEntry && sameIssuer(defaultEntry.issuer, issuer)
      ? defaultEntry.account
      : accountNameForIssuer(issuer));
  cache.fileFor(account); // validates the name before any network traffic
  const previous = await cache.read(account);
  const reusable = previous && sameIssuer(previous.issuer, issuer) ? previous : undefined;

  if (options.continue) {
    if (!reusable?.pendingDevice) throw new CliError("no pending login to continue: run `tessera login`");
    const config = await connectIssuer(issuer, reusable.client.clientId, ctx.env);
    return finish(ctx, cache, reusable, config, reusable.pendingDevice);
  }

  const scope = options.scope?.length ? splitScopes(options.scope).join(" ") : DEFAULT_SCOPE;
  const audience = options.audience?.length ? splitScopes(options.audience).join(" ") : undefined;
  const request = audience ? { scope, audience } : { scope };
  let { client, config } = options.client
    ? await useClient(ctx, issuer, { clientId: options.client, dynamic: false })
    : reusable
      ? await useClient(ctx, issuer, reusable.client)
      : await registerClient(ctx, issuer);
  let device: oidc.DeviceAuthorizationResponse;
  try {
    device = await startDeviceAuthorization(config, request);
  } catch (error) {
    // A client the CLI registered itself may have been deleted at the server: register anew once.
    const forgotten = error instanceof ResponseBodyError && error.error === "invalid_client";
    if (!forgotten || options.client || !client.dynamic) throw error;
    ({ client, config } = await registerClient(ctx, issuer));
    device = await startDeviceAuthorization(config, request);
  }
  const entry: AccountEntry = { version: 1, account, issuer, client, scopedTokens: {} };
  const pending: PendingDevice = {
    deviceCode: device.device_code,
    userCode: device.user_code,
    verificationUri: device.verification_uri_complete ?? device.verification_uri,
    expiresAt: ctx.now() + device.expires_in * 1000,
    interval: device.interval ?? 5,
  };
  await printInstructions(ctx, device, options.browser === true);

  if (options.wait === false) {
    if (reusable) Object.assign(entry, withoutPending(reusable), { client });
    entry.pendingDevice = pending;
    await cache.write(entry);
    await adoptAsDefaultIfNone(cache, account);
    ctx.stdout.write(
      `Run \`tessera login --continue${options.account ? ` --account ${account}` : ""}\` once approved.\n`,
    );
    return 0;
  }
  return finish(ctx, cache, entry, config, pending);
}

async function useClient(
  ctx: CliContext,
  issuer: string,
  client: ClientRecord,
): Promise<{ client: ClientRecord; config: oidc.Configuration }> {
  return { client, config: await connectIssuer(issuer, client.clientId, ctx.env) };
}

async function registerClient(
  ctx: CliContext,
  issuer: string,
): Promise<{ client: ClientRecord; config: oidc.Configuration }> {
  const registered = await registerPublicClient(issuer, ctx.env);
  const client: ClientRecord = { clientId: registered.clientId, dynamic: true };
  if (registered.registrationAccessToken) client.registrationAccessToken = registered.registrationAccessToken;
  if (registered.registrationClientUri) client.registrationClientUri = registered.registrationClientUri;
  ctx.stderr.write(`Registered client ${client.clientId} at ${issuer}\n`);
  return { client, config: registered.config };
}

async function finish(
  ctx: CliContext,
  cache: TokenCache,
  entry: AccountEntry,
  config: oidc.Configuration,
  pending: PendingDevice,
): Promise<number> {
  const spinner = startSpinner(ctx.stderr, "Waiting for approval…");
  let tokens: Awaited<ReturnType<typeof pollDeviceToken>>;
  try {
    tokens = await pollDeviceToken(config, {
      deviceCode: pending.deviceCode,
      interval: pending.interval,
      expiresAt: pending.expiresAt,
      now: ctx.now,
      sleep: ctx.sleep,
    });
  } catch (error) {
    spinner.stop();
    if (entry.pendingDevice) {
      await cache.write(withoutPending(entry));
    }
    throw error;
  }
  spinner.stop();
  const next = withoutPending(entry);
  next.accessToken = accessTokenFrom(tokens, ctx.now());
  next.scopedTokens = {};
  delete next.refreshToken;
  delete next.idToken;
  if (tokens.id_token) next.idToken = tokens.id_token;
  if (tokens.refresh_token)
    await storeRefreshToken(next, tokens.refresh_token, ctx.env.TESSERA_PASSPHRASE, {
      expiresIn: tokens.refresh_expires_in,
      nowMs: ctx.now(),
    });
  await cache.write(next);
  await adoptAsDefaultIfNone(cache, next.account);

  const claims = tokens.claims();
  const who = claims
    ? String(claims.name ?? claims.preferred_username ?? claims.email ?? claims.sub)
    : undefined;
  ctx.stdout.write(
    `Logged in to ${next.issuer}${who ? ` as ${who}` : ""} (account ${next.account}${
      tokens.refresh_token ? "" : ", no refresh token"
    }).\nTokens cached in ${cache.fileFor(next.account)}\n`,
  );
  return 0;
}

async function printInstructions(
  ctx: CliContext,
  device: oidc.DeviceAuthorizationResponse,
  browser: boolean,
): Promise<void> {
  const url = device.verification_uri_complete ?? device.verification_uri;
  ctx.stdout.write(
    `To log in, open this URL in a browser:\n\n    ${url}\n\nand check that it shows the code: ${device.user_code}\n`,
  );
  if (!device.verification_uri_complete)
    ctx.stdout.write(`(enter the code ${device.user_code} on that page)\n`);
  if (ctx.stdout.isTTY) ctx.stdout.write(`\n${await renderQrCode(url)}\n`);
  if (browser) ctx.openBrowser(url);
}

/** The first account logged in becomes the default; later ones only with `--account` use. */
async function adoptAsDefaultIfNone(cache: TokenCache, account: string): Promise<void> {
  const current = await cache.getDefault();
  if (!current || !(await cache.read(current))) await cache.setDefault(account);
}

function withoutPending(entry: AccountEntry): AccountEntry {
  const { pendingDevice: _pending, ...rest } = entry;
  return { ...rest };
}

function sameIssuer(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}
