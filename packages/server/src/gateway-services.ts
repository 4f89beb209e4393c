import { createHmac, hkdfSync } from "node:crypto";
import { createVerifier } from "@tessera/verify";
import type { Config } from "./config/load.js";
import type { Clock } from "./domain/clock.js";
import type { GroupService } from "./domain/groups/group-service.js";
import type { ScopePolicyService } from "./domain/policies/scope-policy-service.js";
import { createTokenService } from "./domain/tokens/token-service.js";
import { createUserScopes } from "./domain/tokens/user-scopes.js";
import { createGatewayAuthenticator, type GatewayAuthenticator } from "./protocol/gateway-authenticator.js";
import type { OwnAccessTokenVerifier } from "./protocol/own-access-token.js";
import type { Store } from "./store/database.js";
import type { Repositories } from "./store/repositories/index.js";
import { createRevocationChannel } from "./store/token-revocation-channel.js";

/**
 * Wires the token service and the gateway (`GET /auth`): tokens, the scopes people hold at the
 * gateway, the authenticator with its cache, and the revocation channel that empties every
 * node's cache (PostgreSQL LISTEN/NOTIFY; in-process on SQLite).
 */
export function createGatewayServices(deps: {
  config: Config;
  store: Store;
  repos: Repositories;
  clock: Clock;
  encryptionKey: Uint8Array;
  groups: GroupService;
  scopePolicies: ScopePolicyService;
  ownAccessTokens: OwnAccessTokenVerifier;
}) {
  const { config, clock } = deps;
  const channel = createRevocationChannel({
    db: deps.store.db,
    dialect: deps.store.dialect,
    databaseUrl: config.databaseUrl,
  });
  // Delegated children's secrets are derived from their keys, so a reused child can be handed
  // out again while only its hash is stored.
  const childKey = new Uint8Array(
    hkdfSync("sha256", deps.encryptionKey, new Uint8Array(0), "tessera/delegated-token-secrets", 32),
  );
  const childSecret = (key: string) => createHmac("sha256", childKey).update(key).digest("base64url");
  const groupNames = async (accountId: string) =>
    (await deps.groups.membershipsOf(accountId)).map((m) => m.group.name);
  const userScopes = createUserScopes({
    groupScopes: config.gateway.groupScopes,
    groupNames,
    permitted: (account, scopes) => deps.scopePolicies.filter(account, scopes),
  });
  const tokens = createTokenService({
    tokens: deps.repos.userTokens,
    accounts: deps.repos.accounts,
    clock,
    unpermitted: userScopes.unpermitted,
    childSecret,
    onRevoked: (keys) => void channel.publish(keys).catch(() => undefined),
  });
  const external =
    config.gateway.trustedIssuers.length > 0
      ? createVerifier({ issuers: config.gateway.trustedIssuers, clock: () => new Date(clock.now()) })
      : undefined;
  const authenticator: GatewayAuthenticator = createGatewayAuthenticator({
    issuer: config.issuer,
    clock,
    tokens,
    ownAccessTokens: deps.ownAccessTokens,
    external,
    groupNames,
    userScopes,
  });
  channel.subscribe((keys) => authenticator.evict(keys));
  return { tokens, userScopes, authenticator, channel, close: () => channel.close() };
}

export type GatewayServices = ReturnType<typeof createGatewayServices>;
