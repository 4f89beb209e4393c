export { writeFileAtomic } from "./atomic-write.js";
export {
  bearerTokenFilePath,
  type DiscoveredToken,
  type DiscoveryInput,
  discoverBearerToken,
} from "./bearer-discovery.js";
export type { AccountEntry, CachedToken, ClientRecord, ScopedToken } from "./cache/account-entry.js";
export { scopedTokenKey } from "./cache/account-entry.js";
export { openSecret, type SealedSecret, sealSecret } from "./cache/sealed-secret.js";
export {
  accountNameForIssuer,
  cacheDirectory,
  createTokenCache,
  loadRefreshToken,
  storeRefreshToken,
  type TokenCache,
} from "./cache/token-cache.js";
export { runCli } from "./cli.js";
export { decodeCommand } from "./commands/decode.js";
export { type ExecResult, execCommand } from "./commands/exec.js";
export { type LoginOptions, loginCommand } from "./commands/login.js";
export { type LogoutOptions, logoutCommand } from "./commands/logout.js";
export { type StatusOptions, type StatusReport, statusCommand, statusReport } from "./commands/status.js";
export { obtainAccessToken, type TokenOptions, type TokenRequest, tokenCommand } from "./commands/token.js";
export { type CliContext, type Output, processContext } from "./context.js";
export { pollDeviceToken, startDeviceAuthorization } from "./device-flow.js";
export { CliError } from "./errors.js";
export { connectIssuer, DEFAULT_ISSUER, DEFAULT_SCOPE, registerPublicClient } from "./issuer-client.js";
export { relativeTime } from "./relative-time.js";
export { checkSignature, type SignatureStatus } from "./signature-check.js";
