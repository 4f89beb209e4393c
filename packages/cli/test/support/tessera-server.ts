// A real Tessera server in-process, as packages/server's own test support starts one (copied
// rather than imported, so this package's tests do not reach into another package's test folder).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, startTessera, type Tessera } from "@tessera/server";

export const ADMIN_PASSWORD = "correct horse battery staple";

export interface TesseraServer {
  tessera: Tessera;
  /** Base URL of the listening server (real HTTP on 127.0.0.1), also its issuer. */
  url: string;
  close(): Promise<void>;
}

/** Tessera on an ephemeral port over a private SQLite database, with the real clock. */
export async function startTesseraServer(env: Record<string, string> = {}): Promise<TesseraServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-cli-server-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    TESSERA_DATA_DIR: dataDir,
    TESSERA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    TESSERA_LOG_LEVEL: "silent",
    TESSERA_KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
    TESSERA_ISSUER: url,
    TESSERA_PORT: String(port),
    ...env,
  });
  const tessera = await startTessera(config);
  await tessera.app.listen({ host: "127.0.0.1", port });
  return {
    tessera,
    url,
    async close() {
      await tessera.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** An access token for a user through the password grant of a confidential client. */
export async function passwordGrant(
  server: TesseraServer,
  client: { id: string; secret: string },
  username: string,
  password: string,
  scope: string,
): Promise<{ access_token: string; expires_in: number; scope?: string }> {
  const response = await fetch(`${server.url}/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "password", username, password, scope }).toString(),
  });
  const body = (await response.json()) as { access_token: string; expires_in: number; scope?: string };
  if (response.status !== 200) throw new Error(`password grant failed: ${JSON.stringify(body)}`);
  return body;
}
