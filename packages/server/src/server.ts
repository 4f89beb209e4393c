import { hkdfSync } from "node:crypto";
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import { createApp } from "./app.js";
import { resolveEncryptionKey } from "./config/encryption-key.js";
import type { Config } from "./config/load.js";
import { type BootstrapResult, bootstrapAdministrator } from "./domain/accounts/bootstrap-admin.js";
import { type Clock, systemClock } from "./domain/clock.js";
import {
  createHousekeeping,
  type HousekeepingReport,
  runHousekeepingOnce,
  startHousekeepingJob,
} from "./domain/maintenance/housekeeping.js";
import { createGatewayApp } from "./gateway-app.js";
import { createServices, type Services } from "./services.js";
import { openStore, type Store } from "./store/database.js";

export interface Tessera {
  app: FastifyInstance;
  /** The gateway-only instance for `gateway.port`, when configured (gateway-app.ts). */
  gatewayApp: FastifyInstance | undefined;
  /** The first administrator, when this start created one (with its one-time password, if generated). */
  bootstrap: BootstrapResult;
  store: Store;
  services: Services;
  close(): Promise<void>;
}

/**
 * Everything a start does, in order: open and migrate the database, load or create signing
 * keys, bootstrap the first administrator, build the app. Used by main.ts and by tests.
 */
export async function startTessera(
  config: Config,
  options: { clock?: Clock; logger?: FastifyServerOptions["logger"]; store?: Store } = {},
): Promise<Tessera> {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? openStore(storeOptions(config));
  if (config.databaseUrl && !config.keys.encryptionKey) {
    // Every node must decrypt the same signing keys and share the CSRF key derived from it.
    throw new Error(
      "TESSERA_KEY_ENCRYPTION_KEY must be set when TESSERA_DATABASE_URL is (the same value on every node)",
    );
  }
  await store.migrate();
  const encryption = resolveEncryptionKey(config.keys.encryptionKey, config.dataDir);
  const services = createServices({ config, store, clock, encryptionKey: encryption.key });
  await services.keys.ensureCurrent();
  const csrfKey = new Uint8Array(hkdfSync("sha256", encryption.key, new Uint8Array(0), "tessera/csrf", 32));
  const app = await createApp({
    config,
    store,
    services,
    clock,
    csrfKey,
    ...(options.logger ? { logger: options.logger } : {}),
  });

  const gatewayApp =
    config.gateway.port === undefined
      ? undefined
      : await createGatewayApp({ config, services, ...(options.logger ? { logger: options.logger } : {}) });

  if (encryption.generatedAt) {
    app.log.warn(
      { file: encryption.generatedAt },
      "generated a key-encryption key for signing keys; set TESSERA_KEY_ENCRYPTION_KEY in production, and the same value on every node",
    );
  }
  const admin = await bootstrapAdministrator(services.accounts, {
    username: config.bootstrap.adminUsername,
    email: config.bootstrap.adminEmail,
    password: config.bootstrap.adminPassword,
  });
  if (admin.generatedPassword) {
    // The password itself goes to the operator's terminal (main.ts), never into the log store.
    app.log.warn(
      { username: admin.username },
      "first administrator created with a one-time password, printed to standard error",
    );
  } else if (admin.created) {
    app.log.info({ username: admin.username }, "first administrator created with the configured password");
  }

  // Key rotation check: hourly is far finer than a rotation interval of days.
  const rotation = setInterval(() => {
    services.keys
      .ensureCurrent()
      .catch((error: unknown) => app.log.error({ err: error }, "key rotation check failed"));
  }, 3_600_000);
  rotation.unref();
  // Housekeeping: expired rows deleted in batches, by one node at a time on PostgreSQL.
  const housekeeping = startHousekeepingJob({
    repo: services.repos.housekeeping,
    housekeeping: housekeepingOf(config, services, clock),
    intervalMs: config.maintenance.interval * 1000,
    onReport: (report) => app.log.info({ ...report }, "housekeeping pass"),
    onError: (error) => app.log.error({ err: error }, "housekeeping pass failed"),
  });

  return {
    app,
    gatewayApp,
    bootstrap: admin,
    store,
    services,
    async close() {
      clearInterval(rotation);
      await housekeeping.stop();
      await app.close();
      await gatewayApp?.close();
      await services.gateway.close();
      await store.close();
    },
  };
}

function storeOptions(config: Config) {
  return {
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    preparedStatements: config.databasePreparedStatements,
  };
}

function housekeepingOf(config: Config, services: Services, clock: Clock) {
  return createHousekeeping({
    repo: services.repos.housekeeping,
    clock,
    auditRetention: config.maintenance.auditRetention,
    sessionIdleTimeout: config.session.idleTimeout,
    unusedClientLifetime: config.registration.unusedClientLifetime,
    tokens: services.gateway.tokens,
  });
}

/**
 * `tessera-server maintenance`: one housekeeping pass by hand, on the configured database
 * (migrated first). Undefined when another node holds the housekeeping lock.
 */
export async function runMaintenance(config: Config): Promise<HousekeepingReport | undefined> {
  const store = openStore(storeOptions(config));
  try {
    await store.migrate();
    const encryption = resolveEncryptionKey(config.keys.encryptionKey, config.dataDir);
    const services = createServices({ config, store, clock: systemClock, encryptionKey: encryption.key });
    try {
      return await runHousekeepingOnce(
        services.repos.housekeeping,
        housekeepingOf(config, services, systemClock),
      );
    } finally {
      await services.gateway.close();
    }
  } finally {
    await store.close();
  }
}
