import type { Client, ClientRepository } from "../../domain/clients/client.js";
import { recentReads } from "./recent-reads.js";

/**
 * Every token, introspection and revocation request starts by reading its client; on
 * PostgreSQL that read was the only round trip of a client-credentials grant. A client read here
 * answers lookups on this node for a second (`recentReads`). This node's own changes (edit,
 * secret rotation, suspension, deletion) take effect at once; another node's within that second.
 * Unknown ids are not remembered, so a client registered on another node is usable at once.
 */
export function withClientLookupCache(repo: ClientRepository, now?: () => number): ClientRepository {
  const recent = recentReads<string, Client | undefined>({
    ...(now ? { now } : {}),
    remember: (client) => client !== undefined,
  });
  return {
    find: (clientId) => recent.read(clientId, () => repo.find(clientId)),
    async create(client) {
      await repo.create(client);
    },
    update: (client) => recent.changing(client.clientId, () => repo.update(client)),
    delete: (clientId) => recent.changing(clientId, () => repo.delete(clientId)),
    list: (options) => repo.list(options),
    countOwnedBy: (accountId) => repo.countOwnedBy(accountId),
  };
}
