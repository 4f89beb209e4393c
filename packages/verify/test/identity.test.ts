// The convenience questions on a verified identity, under the WLCG implication rules.
import { createIdentity, type VerifiedToken } from "@tessera/verify";
import { describe, expect, test } from "vitest";

function identity(...scopes: string[]) {
  const verified: VerifiedToken = {
    claims: { sub: "alice", scope: scopes.join(" ") },
    scopes,
    issuer: "https://iam.example",
    subject: "alice",
    groups: ["/cms"],
  };
  return createIdentity(verified);
}

describe("createIdentity", () => {
  test("keeps the verify result's fields", () => {
    const who = identity("openid", "storage.read:/cms");
    expect(who).toMatchObject({
      issuer: "https://iam.example",
      subject: "alice",
      groups: ["/cms"],
      scopes: ["openid", "storage.read:/cms"],
      claims: { sub: "alice" },
    });
  });

  test("canRead: the granted path and below it, by whole segment", () => {
    const who = identity("storage.read:/cms");
    expect(who.canRead("/cms")).toBe(true);
    expect(who.canRead("/cms/")).toBe(true);
    expect(who.canRead("/cms/a")).toBe(true);
    expect(who.canRead("/cms/a/b.root")).toBe(true);
    expect(who.canRead("/cmsx")).toBe(false);
    expect(who.canRead("/cmsx/a")).toBe(false);
    expect(who.canRead("/")).toBe(false);
    expect(who.canRead("/atlas")).toBe(false);
  });

  test("canRead: traversal and relative paths are refused", () => {
    const who = identity("storage.read:/cms");
    expect(who.canRead("/cms/../atlas")).toBe(false);
    expect(who.canRead("/cms/%2e%2e/atlas")).toBe(false);
    expect(who.canRead("/cms/a/../b")).toBe(true);
    expect(who.canRead("cms/a")).toBe(false);
    expect(who.canRead("")).toBe(false);
  });

  test("storage.read:/ covers everything", () => {
    expect(identity("storage.read:/").canRead("/any/where")).toBe(true);
  });

  test("modify implies create, not the other way round", () => {
    const modify = identity("storage.modify:/cms/store/user/alice");
    expect(modify.canModify("/cms/store/user/alice/f")).toBe(true);
    expect(modify.canCreate("/cms/store/user/alice/f")).toBe(true);
    expect(modify.canRead("/cms/store/user/alice/f")).toBe(false);
    expect(modify.canCreate("/cms/store/user/bob/f")).toBe(false);
    const create = identity("storage.create:/cms");
    expect(create.canCreate("/cms/new")).toBe(true);
    expect(create.canModify("/cms/new")).toBe(false);
  });

  test("stage implies read, not the other way round", () => {
    const stage = identity("storage.stage:/tape");
    expect(stage.canStage("/tape/run1")).toBe(true);
    expect(stage.canRead("/tape/run1")).toBe(true);
    expect(stage.canRead("/disk/run1")).toBe(false);
    const read = identity("storage.read:/tape");
    expect(read.canStage("/tape/run1")).toBe(false);
  });

  test("canCompute by short or full name; no capability implies another", () => {
    const who = identity("compute.read", "compute.modify");
    expect(who.canCompute("read")).toBe(true);
    expect(who.canCompute("compute.modify")).toBe(true);
    expect(who.canCompute("create")).toBe(false);
    expect(who.canCompute("cancel")).toBe(false);
    expect(who.canCompute("bogus" as "read")).toBe(false);
  });

  test("hasScope uses implication; malformed held scopes grant nothing", () => {
    const who = identity("openid", "wlcg", "storage.modify:/cms", "storage.read:cms", "read:tap");
    expect(who.hasScope("openid")).toBe(true);
    expect(who.hasScope("wlcg:1.0")).toBe(true);
    expect(who.hasScope("read:tap")).toBe(true);
    expect(who.hasScope("storage.create:/cms/x")).toBe(true);
    expect(who.hasScope("storage.read:/cms/x")).toBe(false);
    expect(who.hasScope("offline_access")).toBe(false);
  });
});
