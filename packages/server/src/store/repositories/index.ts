import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.js";
import type { Database } from "../schema.js";
import { createAccountRepository } from "./account-repository.js";
import { createAuditRepository } from "./audit-repository.js";
import { createAupRepository } from "./aup-repository.js";
import { withClientLookupCache } from "./client-lookup-cache.js";
import { createClientRepository } from "./client-repository.js";
import { createConsentRepository } from "./consent-repository.js";
import {
  createAccessTokenRevocations,
  createAuthorizationCodeRepository,
  createDeviceAuthorizationRepository,
  createOneTimeIds,
  createRefreshTokenRepository,
} from "./grant-repositories.js";
import { createGroupRepository } from "./group-repository.js";
import { createHousekeepingRepository } from "./housekeeping-repository.js";
import { createIdentityRepository } from "./identity-repository.js";
import { createPasswordResetRepository } from "./password-reset-repository.js";
import { createRegistrationRepository } from "./registration-repository.js";
import { createScopePolicyRepository } from "./scope-policy-repository.js";
import { createSessionRepository } from "./session-repository.js";
import { createSigningKeyRepository } from "./signing-key-repository.js";
import { withAupCache, withScopePolicyCache } from "./site-policy-caches.js";
import { createThrottleRepository } from "./throttle-repository.js";
import { createTokenExchangePolicyRepository } from "./token-exchange-policy-repository.js";
import { createTotpRepository } from "./totp-repository.js";
import { createUserTokenRepository } from "./user-token-repository.js";

export function createRepositories(db: Kysely<Database>, dialect: Dialect) {
  return {
    accounts: createAccountRepository(db),
    sessions: createSessionRepository(db),
    throttle: createThrottleRepository(db, dialect),
    audit: createAuditRepository(db),
    aup: withAupCache(createAupRepository(db)),
    signingKeys: createSigningKeyRepository(db),
    clients: withClientLookupCache(createClientRepository(db)),
    groups: createGroupRepository(db),
    scopePolicies: withScopePolicyCache(createScopePolicyRepository(db)),
    refreshTokens: createRefreshTokenRepository(db, dialect),
    authorizationCodes: createAuthorizationCodeRepository(db),
    deviceAuthorizations: createDeviceAuthorizationRepository(db),
    accessTokenRevocations: createAccessTokenRevocations(db),
    oneTimeIds: createOneTimeIds(db),
    tokenExchangePolicies: createTokenExchangePolicyRepository(db),
    consents: createConsentRepository(db),
    registrations: createRegistrationRepository(db),
    passwordResets: createPasswordResetRepository(db),
    identities: createIdentityRepository(db),
    totp: createTotpRepository(db),
    userTokens: createUserTokenRepository(db),
    housekeeping: createHousekeepingRepository(db, dialect),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
