import { describe, expect, test } from "vitest";
import type { Client, ClientRepository } from "../src/domain/clients/client.js";
import { withClientLookupCache } from "../src/store/repositories/client-lookup-cache.js";

/** A repository over a map that counts its reads, with one read that can be held open. */
function countingRepository() {
  const rows = new Map<string, Client>();
  let reads = 0;
  let hold: Promise<void> | undefined;
  const repo: ClientRepository = {
    async find(id) {
      reads++;
      const row = rows.get(id);
      await hold;
      return row;
    },
    async create(client) {
      rows.set(client.clientId, client);
    },
    async update(client) {
      rows.set(client.clientId, client);
    },
    async delete(id) {
      rows.delete(id);
    },
    list: async () => [...rows.values()],
    countOwnedBy: async () => 0,
  };
  return {
    repo,
    reads: () => reads,
    holdReads(until: Promise<void>) {
      hold = until;
    },
  };
}

const client = (clientId: string, clientName = "a client") => ({ clientId, clientName }) as unknown as Client;

describe("client lookups remembered for a second", () => {
  test("repeated lookups within the second read once; after it, again", async () => {
    let now = 0;
    const store = countingRepository();
    const cached = withClientLookupCache(store.repo, () => now);
    await cached.create(client("c1"));
    expect(await cached.find("c1")).toMatchObject({ clientId: "c1" });
    now = 999;
    await cached.find("c1");
    expect(store.reads()).toBe(1);
    now = 1_000;
    await cached.find("c1");
    expect(store.reads()).toBe(2);
  });

  test("this node's changes take effect at once; unknown ids are never remembered", async () => {
    const store = countingRepository();
    const cached = withClientLookupCache(store.repo, () => 0);
    expect(await cached.find("c2")).toBeUndefined();
    await store.repo.create(client("c2", "registered on another node"));
    expect(await cached.find("c2")).toMatchObject({ clientName: "registered on another node" });
    await cached.update(client("c2", "renamed"));
    expect(await cached.find("c2")).toMatchObject({ clientName: "renamed" });
    await cached.delete("c2");
    expect(await cached.find("c2")).toBeUndefined();
  });

  test("a read that began before a change is not remembered", async () => {
    const store = countingRepository();
    const cached = withClientLookupCache(store.repo, () => 0);
    await cached.create(client("c3", "old"));
    let release!: () => void;
    store.holdReads(
      new Promise<void>((done) => {
        release = done;
      }),
    );
    const slow = cached.find("c3");
    store.holdReads(Promise.resolve());
    await cached.update(client("c3", "new"));
    release();
    expect(await slow).toMatchObject({ clientName: "old" });
    expect(await cached.find("c3")).toMatchObject({ clientName: "new" });
  });
});
