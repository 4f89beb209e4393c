import type { Migration, MigrationProvider } from "kysely";
import type { Dialect } from "../dialect.js";
import { foundation } from "./001-foundation.js";
import { oauth } from "./002-oauth.js";
import { tokenExchange } from "./003-token-exchange.js";
import { consentLogout } from "./004-consent-logout.js";
import { groups } from "./005-groups.js";
import { registration } from "./006-registration.js";
import { identities } from "./007-identities.js";
import { scopePolicies } from "./008-scope-policies.js";
import { accountLifecycle } from "./009-account-lifecycle.js";
import { totp } from "./010-totp.js";
import { aup } from "./011-aup.js";
import { userTokens } from "./012-user-tokens.js";
import { rateLimits } from "./013-rate-limits.js";
import { housekeepingIndexes } from "./014-housekeeping-indexes.js";
import { clientSuspension } from "./015-client-suspension.js";
import { clientRegistration } from "./016-client-registration.js";

/** Migrations in order. Names sort lexically; never rename or edit one that has shipped. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    "001-foundation": foundation(dialect),
    "002-oauth": oauth(),
    "003-token-exchange": tokenExchange(),
    "004-consent-logout": consentLogout(),
    "005-groups": groups(),
    "006-registration": registration(),
    "007-identities": identities(),
    "008-scope-policies": scopePolicies(),
    "009-account-lifecycle": accountLifecycle(),
    "010-totp": totp(),
    "011-aup": aup(),
    "012-user-tokens": userTokens(dialect),
    "013-rate-limits": rateLimits(),
    "014-housekeeping-indexes": housekeepingIndexes(),
    "015-client-suspension": clientSuspension(),
    "016-client-registration": clientRegistration(),
  };
  return { getMigrations: async () => migrations };
}
