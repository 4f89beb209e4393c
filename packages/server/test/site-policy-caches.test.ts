import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Aup, AupRepository } from "../src/domain/aup/aup.js";
import { createScopePolicyRepository } from "../src/store/repositories/scope-policy-repository.js";
import { withAupCache } from "../src/store/repositories/site-policy-caches.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describe("the scope policies remembered on a node", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  test("choose the same policies, in the same order, as the database's own query", async () => {
    const { services, store } = server.tessera;
    const account = (username: string) =>
      services.accounts.create({ username, name: username, email: `${username}@example.org` });
    const [alice, bob] = [await account("alice"), await account("bob")];
    const [cms, atlas] = [
      await services.groups.create({ name: "/cms" }),
      await services.groups.create({ name: "/atlas" }),
    ];
    const policy = (accountId: string | null, groupId: string | null, scope: string) =>
      services.scopePolicies.create(null, {
        rule: "deny",
        accountId,
        groupId,
        scopes: [scope],
        matching: "exact",
      });
    await policy(null, null, "compute.create");
    await policy(alice.id, null, "storage.modify:/");
    await policy(null, cms.id, "storage.read:/cms");
    await policy(bob.id, null, "compute.cancel");
    await policy(null, atlas.id, "storage.read:/atlas");
    await policy(null, null, "compute.modify");

    const remembered = services.repos.scopePolicies;
    const database = createScopePolicyRepository(store.db);
    const cases: [string, string[]][] = [
      [alice.id, []],
      [alice.id, [cms.id]],
      [bob.id, [cms.id, atlas.id]],
      ["someone else", [atlas.id]],
    ];
    for (const [accountId, groupIds] of cases) {
      const expected = await database.applicable(accountId, groupIds);
      expect(expected.length).toBeGreaterThan(0);
      expect(await remembered.applicable(accountId, groupIds)).toEqual(expected);
    }

    // This node's own edit applies at once.
    const added = await policy(alice.id, null, "compute.read");
    expect((await remembered.applicable(alice.id, [])).map((p) => p.id)).toContain(added.id);
    await services.scopePolicies.delete(null, added.id);
    expect((await remembered.applicable(alice.id, [])).map((p) => p.id)).not.toContain(added.id);
  });
});

describe("the acceptable-use policy remembered on a node", () => {
  const aup = (text: string): Aup => ({ text, url: null, validityDays: 0, updatedAt: 0 });

  function memoryRepository() {
    let current: Aup | undefined;
    let reads = 0;
    const repo: AupRepository = {
      async get() {
        reads++;
        return current;
      },
      async put(value) {
        current = value;
      },
      async remove() {
        current = undefined;
      },
      signedAt: async () => undefined,
      sign: async () => {},
    };
    return { repo, reads: () => reads };
  }

  test("another node's edit shows within a second; this node's at once", async () => {
    let now = 0;
    const other = memoryRepository();
    const cached = withAupCache(other.repo, () => now);
    expect(await cached.get()).toBeUndefined();
    await other.repo.put(aup("set on another node"));
    now = 999;
    expect(await cached.get()).toBeUndefined();
    expect(other.reads()).toBe(1);
    now = 1_000;
    expect(await cached.get()).toMatchObject({ text: "set on another node" });
    await cached.put(aup("edited here"));
    expect(await cached.get()).toMatchObject({ text: "edited here" });
    await cached.remove();
    expect(await cached.get()).toBeUndefined();
  });
});
