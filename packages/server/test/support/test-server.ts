import { randomBytes } from "node:crypto";
import { type AddressInfo, createServer } from "node:net";
import { type Config, loadConfig } from "../../src/config/load.js";
import { startTessera, type Tessera } from "../../src/server.js";
import { createTestClock, type TestClock } from "./test-clock.js";
import { createTestDatabase, type TestDatabase } from "./test-store.js";

export const ADMIN_PASSWORD = "correct horse battery staple";

export interface TestServer {
  tessera: Tessera;
  config: Config;
  clock: TestClock;
  database: TestDatabase;
  /** Base URL of the listening server (real HTTP on 127.0.0.1). */
  url: string;
  close(): Promise<void>;
}

/**
 * A real Tessera listening on an ephemeral port over a private database, with a frozen clock.
 * The issuer is the listening address, so redirects and origins line up.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const clock = createTestClock();
  const baseEnv = {
    TESSERA_DATA_DIR: database.dataDir,
    TESSERA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    TESSERA_LOG_LEVEL: "silent",
    TESSERA_KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
    ...(database.databaseUrl ? { TESSERA_DATABASE_URL: database.databaseUrl } : {}),
    ...env,
  };
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    ...baseEnv,
    TESSERA_ISSUER: env.TESSERA_ISSUER ?? url,
    TESSERA_PORT: String(port),
  });
  const server = await startTessera(config, { clock, store: database.open() });
  await server.app.listen({ host: "127.0.0.1", port });
  if (server.gatewayApp)
    await server.gatewayApp.listen({ host: "127.0.0.1", port: config.gateway.port ?? 0 });
  return {
    tessera: server,
    config,
    clock,
    database,
    url,
    async close() {
      await server.app.close();
      await server.gatewayApp?.close();
      await server.services.gateway.close();
      await database.cleanup();
    },
  };
}

/** An ephemeral port the kernel just handed out (the issuer URL must be known before listening). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
