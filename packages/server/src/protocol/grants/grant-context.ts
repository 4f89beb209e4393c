import { type Account, type AccountRepository, isAccountUsable } from "../../domain/accounts/account.js";
import type { Client } from "../../domain/clients/client.js";
import type { TokenExchangePolicyService } from "../../domain/clients/token-exchange-policy.js";
import type { Clock } from "../../domain/clock.js";
import type { AccessTokenRevocations } from "../../domain/grants/access-token-revocations.js";
import type { AuthorizationCodeRepository } from "../../domain/grants/authorization-code.js";
import type { DeviceAuthorizationRepository } from "../../domain/grants/device-authorization.js";
import type { RefreshTokenRepository } from "../../domain/grants/refresh-token.js";
import type { PasswordLogin } from "../../domain/login/password-login.js";
import { OAuthError } from "../oauth-error.js";
import type { OwnAccessTokenVerifier } from "../own-access-token.js";
import type { TokenIssuer } from "../token-issuer.js";

/** What every grant handler may use. */
export interface GrantDeps {
  issuer: TokenIssuer;
  accounts: AccountRepository;
  refreshTokens: RefreshTokenRepository;
  authorizationCodes: AuthorizationCodeRepository;
  deviceAuthorizations: DeviceAuthorizationRepository;
  passwordLogin: PasswordLogin;
  /** Password grant: true when the account must prove a second factor, which this grant cannot carry. */
  secondFactorRequired?: (account: Account, context: { ip: string; userAgent: string }) => Promise<boolean>;
  clock: Clock;
  /** Authorization code replay: revokes the access token the code first produced (RFC 6749 §4.1.2). */
  accessTokenRevocations?: Pick<AccessTokenRevocations, "revoke">;
  /** Token exchange: the subject token is one of Tessera's own access tokens. */
  ownAccessTokens: Pick<OwnAccessTokenVerifier, "active">;
  /** Token exchange: the policy deciding whether `destination` may exchange `origin`'s tokens. */
  tokenExchangePolicies: Pick<TokenExchangePolicyService, "find">;
}

export interface GrantRequest {
  client: Client;
  params: Record<string, string | undefined>;
  resources: string[];
  context: { ip: string; userAgent: string };
}

export function required(params: Record<string, string | undefined>, name: string): string {
  const value = params[name];
  if (value === undefined) throw new OAuthError("invalid_request", `missing parameter ${name}`);
  return value;
}

/** The account behind a grant, which must still be active (suspension stops token refresh at once). */
export async function activeAccount(accounts: AccountRepository, id: string, now: number): Promise<Account> {
  const account = await accounts.findById(id);
  if (!account || !isAccountUsable(account, now))
    throw new OAuthError("invalid_grant", "the account is not active");
  const { passwordHash: _secret, ...publicAccount } = account;
  return publicAccount;
}

/** Audiences asked for must be among the client's allowed ones, when it has a list. */
export function allowedAudiences(client: Client, requested: string[]): string[] {
  if (client.audiences.length > 0) {
    const refused = requested.filter((a) => !client.audiences.includes(a));
    if (refused.length > 0)
      throw new OAuthError("invalid_target", `audience not allowed for this client: ${refused.join(" ")}`);
  }
  return requested;
}
