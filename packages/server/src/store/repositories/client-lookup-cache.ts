import type { Client, ClientRepository } from "../../domain/clients/client.js";

/** How long a client read from the database answers lookups on this node. */
export const CLIENT_LOOKUP_SECONDS = 1;
const MAX_ENTRIES = 10_000;

/**
 * Every token, introspection and revocation request starts by reading its client; on
 * PostgreSQL that read was the only round trip of a client-credentials grant. A client read here
 * answers lookups on this node for a second. This node's own changes (edit, secret rotation,
 * suspension, deletion) take effect at once; another node's within that second, the same window
 * as the gateway's verification cache. Unknown ids are not remembered, so a client registered
 * on another node is usable at once. Real time, not the application clock: the window is about
 * how stale a copy may be, which a test's frozen clock must not stretch.
 */
export function withClientLookupCache(
  repo: ClientRepository,
  now: () => number = () => performance.now(),
): ClientRepository {
  const recent = new Map<string, { at: number; client: Client }>();
  const windowMs = CLIENT_LOOKUP_SECONDS * 1000;
  // Bumped by every local change: a read that began before a change must not be remembered.
  let changes = 0;
  const forget = (clientId: string) => {
    changes++;
    recent.delete(clientId);
  };
  return {
    async find(clientId) {
      const hit = recent.get(clientId);
      if (hit && now() - hit.at < windowMs) return hit.client;
      const started = now();
      const before = changes;
      const client = await repo.find(clientId);
      if (!client || changes !== before) return client;
      if (recent.size >= MAX_ENTRIES) recent.clear();
      recent.set(clientId, { at: started, client });
      return client;
    },
    async create(client) {
      await repo.create(client);
    },
    async update(client) {
      forget(client.clientId);
      await repo.update(client);
      forget(client.clientId);
    },
    async delete(clientId) {
      forget(clientId);
      await repo.delete(clientId);
      forget(clientId);
    },
    list: (options) => repo.list(options),
    countOwnedBy: (accountId) => repo.countOwnedBy(accountId),
  };
}
