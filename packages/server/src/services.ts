import type { Config } from "./config/load.js";
import { createAccountService } from "./domain/accounts/account-service.js";
import { createAuditLog } from "./domain/audit/audit-log.js";
import type { Clock } from "./domain/clock.js";
import { createKeyRing } from "./domain/keys/key-ring.js";
import { createLoginThrottle } from "./domain/login/login-throttle.js";
import { createPasswordLogin } from "./domain/login/password-login.js";
import { createSessionService } from "./domain/sessions/session-service.js";
import type { Store } from "./store/database.js";
import { createRepositories } from "./store/repositories/index.js";

/** Wires the domain services over the store: the one place that knows both. */
export function createServices(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  encryptionKey: Uint8Array;
}) {
  const { config, store, clock } = deps;
  const repos = createRepositories(store.db);
  const audit = createAuditLog({ audit: repos.audit, clock });
  const throttle = createLoginThrottle({
    repo: repos.throttle,
    clock,
    policy: {
      limits: { user: config.login.accountFailureLimit, ip: config.login.ipFailureLimit },
      lockoutBase: config.login.lockoutBase,
      lockoutMax: config.login.lockoutMax,
    },
  });
  return {
    repos,
    audit,
    throttle,
    accounts: createAccountService({ accounts: repos.accounts, clock }),
    sessions: createSessionService({
      sessions: repos.sessions,
      accounts: repos.accounts,
      clock,
      policy: config.session,
    }),
    passwordLogin: createPasswordLogin({ accounts: repos.accounts, throttle, audit }),
    keys: createKeyRing({
      repo: repos.signingKeys,
      clock,
      algorithm: config.keys.algorithm,
      encryptionKey: deps.encryptionKey,
      rotationInterval: config.keys.rotationInterval,
      prepublish: config.keys.prepublish,
      maxTokenLifetime: Math.max(config.tokens.accessTokenLifetime, config.tokens.idTokenLifetime),
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
