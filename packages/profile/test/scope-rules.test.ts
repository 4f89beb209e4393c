import {
  capabilityImplies,
  narrowScopes,
  parseScopeOrThrow,
  scopeImplies,
  selectGroups,
} from "@tessera/profile";
import { describe, expect, test } from "vitest";

describe("scopeImplies", () => {
  test("a required path is resolved before the check, as a resource server builds it", () => {
    expect(scopeImplies("storage.read:/cms", "storage.read:/atlas/../cms/x")).toBe(true);
    expect(scopeImplies("storage.read:/cms", "storage.read:/cms/../atlas")).toBe(false);
    expect(scopeImplies("storage.read:/cms", "storage.read:/cms/%2e%2e/atlas")).toBe(false);
  });

  test("a malformed held scope grants nothing", () => {
    expect(scopeImplies("storage.read:/cms/../", "storage.read:/")).toBe(false);
    expect(scopeImplies("storage.read", "storage.read:/x")).toBe(false);
  });

  test("a storage scope never implies a scope of another family", () => {
    expect(scopeImplies("storage.read:/", "compute.read")).toBe(false);
    expect(scopeImplies("storage.read:/", "openid")).toBe(false);
    expect(scopeImplies("compute.read", "storage.read:/")).toBe(false);
  });

  test("other scopes compare verbatim, profile scopes by meaning", () => {
    expect(scopeImplies("openid", "openid")).toBe(true);
    expect(scopeImplies("openid", "openid2")).toBe(false);
    expect(scopeImplies("wlcg", "wlcg:1.0")).toBe(true);
    expect(scopeImplies("wlcg.groups", "wlcg.groups:/cms")).toBe(false);
  });

  test("accepts parsed scopes", () => {
    expect(scopeImplies(parseScopeOrThrow("storage.modify:/"), parseScopeOrThrow("storage.create:/x"))).toBe(
      true,
    );
  });

  test("capability implication table", () => {
    expect(capabilityImplies("storage.modify", "storage.create")).toBe(true);
    expect(capabilityImplies("storage.stage", "storage.read")).toBe(true);
    expect(capabilityImplies("storage.create", "storage.modify")).toBe(false);
    expect(capabilityImplies("storage.read", "storage.stage")).toBe(false);
    expect(capabilityImplies("storage.modify", "storage.read")).toBe(false);
  });
});

describe("narrowScopes", () => {
  test("drops malformed requested scopes even when an allowed scope would cover them", () => {
    expect(narrowScopes(["storage.read:/cms/../atlas"], ["storage.read:/"])).toEqual([]);
  });

  test("returns canonical forms, once", () => {
    expect(narrowScopes(["storage.read:/cms/", "storage.read:/cms"], ["storage.read:/"])).toEqual([
      "storage.read:/cms",
    ]);
  });

  test("nothing allowed, nothing granted", () => {
    expect(narrowScopes(["openid"], [])).toEqual([]);
  });
});

describe("selectGroups", () => {
  const memberships = [
    { group: "/cms", optional: false },
    { group: "/cms/uscms", optional: true },
    { group: "/atlas", optional: false },
  ];

  test("a bare wlcg.groups places the default groups where it was asked for", () => {
    expect(selectGroups(["wlcg.groups", "wlcg.groups:/cms/uscms"], memberships)).toEqual([
      "/cms",
      "/atlas",
      "/cms/uscms",
    ]);
  });

  test("an optional group never appears without being asked for", () => {
    expect(selectGroups(["wlcg.groups"], memberships)).not.toContain("/cms/uscms");
  });

  test("malformed group scopes select nothing and do not ask for the claim", () => {
    expect(selectGroups(["wlcg.groups:cms"], memberships)).toBeNull();
  });

  test("a user without groups gets an empty claim when groups were asked for", () => {
    expect(selectGroups(["wlcg.groups"], [])).toEqual([]);
  });
});
