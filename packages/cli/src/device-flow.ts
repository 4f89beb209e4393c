import * as oidc from "openid-client";
import { CliError } from "./errors.js";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

export interface DeviceRequest {
  scope: string;
  audience?: string;
}

/** Starts the device authorization grant (RFC 8628 §3.1) at the issuer's `device_authorization_endpoint`. */
export async function startDeviceAuthorization(
  config: oidc.Configuration,
  request: DeviceRequest,
): Promise<oidc.DeviceAuthorizationResponse> {
  if (!config.serverMetadata().device_authorization_endpoint) {
    throw new CliError(`${config.serverMetadata().issuer} does not offer the device authorization grant`);
  }
  const parameters: Record<string, string> = { scope: request.scope };
  if (request.audience) parameters.audience = request.audience;
  return oidc.initiateDeviceAuthorization(config, parameters);
}

export interface PollOptions {
  deviceCode: string;
  /** Seconds between polls, from the device authorization response (default 5). */
  interval: number;
  /** When the device code expires, in milliseconds since the epoch. */
  expiresAt: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Called before each wait, with the wait in seconds (the spinner and tests watch it). */
  onWait?: (seconds: number) => void;
}

/**
 * Polls the token endpoint (RFC 8628 §3.4–3.5) until the user approves or denies or the code
 * expires: waits `interval` seconds between requests, adds 5 seconds on every `slow_down`,
 * keeps going on `authorization_pending`, and ends with a clear error on `access_denied` and
 * `expired_token`.
 */
export async function pollDeviceToken(
  config: oidc.Configuration,
  options: PollOptions,
): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
  let interval = Math.max(1, options.interval);
  for (;;) {
    options.onWait?.(interval);
    await options.sleep(interval * 1000);
    if (options.now() >= options.expiresAt) throw expired();
    try {
      return await oidc.genericGrantRequest(config, DEVICE_CODE_GRANT, { device_code: options.deviceCode });
    } catch (error) {
      if (!(error instanceof oidc.ResponseBodyError)) throw error;
      switch (error.error) {
        case "authorization_pending":
          continue;
        case "slow_down":
          interval += 5;
          continue;
        case "access_denied":
          throw new CliError("login denied: the request was not approved");
        case "expired_token":
          throw expired();
        default:
          throw error;
      }
    }
  }
}

function expired(): CliError {
  return new CliError("login expired: the code was not approved in time; run `tessera login` again");
}
