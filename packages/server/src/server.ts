import { hkdfSync } from "node:crypto";
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import { createApp } from "./app.js";
import { resolveEncryptionKey } from "./config/encryption-key.js";
import type { Config } from "./config/load.js";
import { bootstrapAdministrator } from "./domain/accounts/bootstrap-admin.js";
import { type Clock, systemClock } from "./domain/clock.js";
import { createServices, type Services } from "./services.js";
import { openStore, type Store } from "./store/database.js";

export interface Tessera {
  app: FastifyInstance;
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
  const store = options.store ?? openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
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
    // Shown once, on the console of the operator who started the server; stored only as argon2id.
    app.log.warn(
      `first administrator created: sign in at ${config.issuer}/login as "${admin.username}" with the one-time password ${admin.generatedPassword}`,
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

  return {
    app,
    store,
    services,
    async close() {
      clearInterval(rotation);
      await app.close();
      await store.close();
    },
  };
}
