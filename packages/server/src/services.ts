import type { Config } from "./config/load.js";
import { createAccountService } from "./domain/accounts/account-service.js";
import { createAuditLog } from "./domain/audit/audit-log.js";
import { createAupService } from "./domain/aup/aup-service.js";
import { createClientService } from "./domain/clients/client-service.js";
import { createConsentService } from "./domain/clients/consent.js";
import { createTokenExchangePolicyService } from "./domain/clients/token-exchange-policy.js";
import type { Clock } from "./domain/clock.js";
import { createFederatedLogin } from "./domain/federation/federated-login.js";
import { createUpstreams } from "./domain/federation/upstreams.js";
import { createGroupService } from "./domain/groups/group-service.js";
import { createKeyRing } from "./domain/keys/key-ring.js";
import { createLoginThrottle } from "./domain/login/login-throttle.js";
import { createPasswordLogin } from "./domain/login/password-login.js";
import { createPasswordReset } from "./domain/login/password-reset.js";
import type { Mailer } from "./domain/mail/mailer.js";
import { createScopePolicyService } from "./domain/policies/scope-policy-service.js";
import { createRegistrationService } from "./domain/registration/registration-service.js";
import { createSessionService } from "./domain/sessions/session-service.js";
import { createTotpSecretBox } from "./domain/totp/totp-secret-box.js";
import { createTotpService } from "./domain/totp/totp-service.js";
import { createGatewayServices } from "./gateway-services.js";
import { mailerFromConfig } from "./mail/smtp-mailer.js";
import type { ClientAuthenticationDeps } from "./protocol/client-authentication.js";
import { createDeviceAuthorizationEndpoint } from "./protocol/device-authorization.js";
import { createIntrospectionEndpoint } from "./protocol/introspection.js";
import { createOwnAccessTokenVerifier } from "./protocol/own-access-token.js";
import { createRevocationEndpoint } from "./protocol/revocation.js";
import { createTokenEndpoint } from "./protocol/token-endpoint.js";
import { createTokenIssuer } from "./protocol/token-issuer.js";
import { createUserinfoEndpoint } from "./protocol/userinfo.js";
import type { Store } from "./store/database.js";
import { createRepositories } from "./store/repositories/index.js";

/** Wires the domain services over the store: the one place that knows both. */
export function createServices(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  encryptionKey: Uint8Array;
  /** Outgoing mail; by default SMTP per `mail.smtpUrl`, or a log line when that is unset. */
  mailer?: Mailer;
}) {
  const { config, store, clock } = deps;
  const repos = createRepositories(store.db, store.dialect);
  const audit = createAuditLog({ audit: repos.audit, clock });
  const aup = createAupService({ repo: repos.aup, audit, clock });
  const throttle = createLoginThrottle({
    repo: repos.throttle,
    clock,
    policy: {
      limits: { user: config.login.accountFailureLimit, ip: config.login.ipFailureLimit },
      lockoutBase: config.login.lockoutBase,
      lockoutMax: config.login.lockoutMax,
    },
  });
  const accounts = createAccountService({
    accounts: repos.accounts,
    sessions: repos.sessions,
    refreshTokens: repos.refreshTokens,
    clock,
  });
  const clients = createClientService({ clients: repos.clients, clock, refreshTokens: repos.refreshTokens });
  const tokenExchangePolicies = createTokenExchangePolicyService({
    policies: repos.tokenExchangePolicies,
    clock,
  });
  const mailer = deps.mailer ?? mailerFromConfig(config);
  const groups = createGroupService({
    groups: repos.groups,
    clock,
    notify: { mailer, accounts: repos.accounts, issuer: config.issuer },
  });
  const scopePolicies = createScopePolicyService({ policies: repos.scopePolicies, groups, audit, clock });
  const passwordLogin = createPasswordLogin({ accounts: repos.accounts, throttle, audit, clock });
  // TOTP second factor (RFC 6238); secrets sealed under a key derived from the key-encryption key.
  const totp = createTotpService({
    repo: repos.totp,
    box: createTotpSecretBox(deps.encryptionKey),
    throttle,
    audit,
    clock,
    issuerLabel: config.organisationName,
    requirement: config.login.requireTotp,
  });
  // Moderated sign-up and password reset by email.
  const registrations = createRegistrationService({
    registrations: repos.registrations,
    accounts: repos.accounts,
    audit,
    mailer,
    clock,
    issuer: config.issuer,
    mode: config.signup.mode,
  });
  const passwordReset = createPasswordReset({
    resets: repos.passwordResets,
    accounts: repos.accounts,
    accountService: accounts,
    throttle,
    audit,
    mailer,
    clock,
    issuer: config.issuer,
  });
  const keys = createKeyRing({
    repo: repos.signingKeys,
    clock,
    algorithm: config.keys.algorithm,
    encryptionKey: deps.encryptionKey,
    rotationInterval: config.keys.rotationInterval,
    prepublish: config.keys.prepublish,
    reloadInterval: config.keys.reloadInterval,
    maxTokenLifetime: Math.max(config.tokens.accessTokenLifetime, config.tokens.idTokenLifetime),
  });
  const tokenIssuer = createTokenIssuer({
    issuer: config.issuer,
    organisationName: config.organisationName,
    lifetimes: {
      accessToken: config.tokens.accessTokenLifetime,
      idToken: config.tokens.idTokenLifetime,
      refreshToken: config.tokens.refreshTokenLifetime,
    },
    keys,
    refreshTokens: repos.refreshTokens,
    clock,
    memberships: (accountId) => groups.tokenMemberships(accountId),
    permittedScopes: (account, scopes, groupIds) => scopePolicies.filter(account, scopes, groupIds),
    tokensRefused: async (account) =>
      (await aup.mustSign(account.id))
        ? `the acceptable use policy must be signed first: ${config.issuer}/aup`
        : undefined,
  });
  const clientAuthentication = (endpoint: string): ClientAuthenticationDeps => ({
    findClient: (id) => repos.clients.find(id),
    secretMatches: (client, secret) => clients.secretMatches(client, secret),
    assertionAudiences: [`${config.issuer}${endpoint}`, config.issuer],
    now: () => clock.now(),
    isReplay: async (jti, expiresAt) =>
      !(await repos.oneTimeIds.firstUse(`assertion:${jti}`, expiresAt * 1000)),
  });
  const grantDeps = {
    issuer: tokenIssuer,
    accounts: repos.accounts,
    refreshTokens: repos.refreshTokens,
    authorizationCodes: repos.authorizationCodes,
    deviceAuthorizations: repos.deviceAuthorizations,
    passwordLogin,
    secondFactorRequired: totp.refusesPasswordGrant,
    accessTokenRevocations: repos.accessTokenRevocations,
    clock,
  };
  // One verifier of Tessera's own access tokens, shared by introspection, revocation and userinfo.
  const ownAccessTokens = createOwnAccessTokenVerifier({
    keys,
    issuer: config.issuer,
    clock,
    revocations: repos.accessTokenRevocations,
    accounts: repos.accounts,
    clientSuspended: async (clientId) => Boolean((await repos.clients.find(clientId))?.suspendedAt),
  });
  return {
    repos,
    clients,
    // RFC 8693 delegation: which client may exchange which client's tokens.
    tokenExchangePolicies,
    // Remembered consent; the REST API lists and revokes it per user.
    consents: createConsentService({ consents: repos.consents, refreshTokens: repos.refreshTokens, clock }),
    tokenIssuer,
    clientAuthentication,
    tokenEndpoint: createTokenEndpoint({
      ...grantDeps,
      ownAccessTokens,
      tokenExchangePolicies,
      clientAuthentication: clientAuthentication("/token"),
    }),
    deviceAuthorization: createDeviceAuthorizationEndpoint({
      issuer: config.issuer,
      clock,
      repo: repos.deviceAuthorizations,
      clientAuthentication: clientAuthentication("/devicecode"),
      lifetime: config.device.codeLifetime,
      interval: config.device.pollInterval,
    }),
    introspection: createIntrospectionEndpoint({
      clientAuthentication: clientAuthentication("/introspect"),
      accessTokens: ownAccessTokens,
      refreshTokens: repos.refreshTokens,
      accounts: repos.accounts,
      clock,
    }),
    revocation: createRevocationEndpoint({
      clientAuthentication: clientAuthentication("/revoke"),
      accessTokens: ownAccessTokens,
      refreshTokens: repos.refreshTokens,
      revocations: repos.accessTokenRevocations,
      clock,
    }),
    userinfo: createUserinfoEndpoint({
      accessTokens: ownAccessTokens,
      organisationName: config.organisationName,
      memberships: (accountId) => groups.tokenMemberships(accountId),
    }),
    ownAccessTokens,
    groups,
    scopePolicies,
    // The token service and the nginx gateway (GET /auth).
    gateway: createGatewayServices({
      config,
      store,
      repos,
      clock,
      encryptionKey: deps.encryptionKey,
      groups,
      scopePolicies,
      ownAccessTokens,
    }),
    aup,
    audit,
    throttle,
    accounts,
    sessions: createSessionService({
      sessions: repos.sessions,
      accounts: repos.accounts,
      clock,
      policy: config.session,
    }),
    mailer,
    registrations,
    passwordReset,
    passwordLogin,
    totp,
    keys,
    // Federated login and account linking (upstream OIDC providers and GitHub).
    upstreams: createUpstreams(config.federation.providers),
    federation: createFederatedLogin({
      accounts: repos.accounts,
      accountService: accounts,
      identities: repos.identities,
      groups,
      audit,
      clock,
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
