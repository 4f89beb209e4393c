import { formatScope, parseScope, parseScopeOrThrow, ScopeError, splitScopeString } from "@tessera/profile";
import { describe, expect, test } from "vitest";

describe("splitScopeString", () => {
  test("drops the trailing space PanDA sends", () => {
    expect(splitScopeString("openid profile ")).toEqual(["openid", "profile"]);
  });

  test("splits on any run of whitespace and ignores empty items", () => {
    expect(splitScopeString("  openid\t\tprofile \n wlcg.groups  ")).toEqual([
      "openid",
      "profile",
      "wlcg.groups",
    ]);
  });

  test("keeps the first occurrence of a repeated scope", () => {
    expect(splitScopeString("b a b c a")).toEqual(["b", "a", "c"]);
  });

  test("an empty or blank string is no scopes", () => {
    expect(splitScopeString("")).toEqual([]);
    expect(splitScopeString("   ")).toEqual([]);
  });
});

describe("parseScope", () => {
  test("refuses characters outside the RFC 6749 scope-token grammar", () => {
    for (const bad of ["", "a b", 'x"y', "x\\y", "é", "a\u0000"]) {
      expect(parseScope(bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  test("refuses percent-encoded dot segments and slashes in storage paths", () => {
    for (const bad of [
      "storage.read:/cms/%2e%2e/atlas",
      "storage.read:/cms/%2E",
      "storage.read:/cms%2Fatlas",
    ]) {
      const result = parseScope(bad);
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.error.reason).toContain("path not normalised");
    }
  });

  test("refuses broken percent-encoding in storage paths", () => {
    expect(parseScope("storage.read:/cms/100%").ok).toBe(false);
  });

  test("keeps legitimate percent-encoding as written", () => {
    expect(parseScope("storage.read:/cms/my%20file")).toEqual({
      ok: true,
      value: { kind: "storage", capability: "storage.read", path: "/cms/my%20file" },
    });
  });

  test("a bare group scope with an empty name is invalid", () => {
    expect(parseScope("wlcg.groups:").ok).toBe(false);
  });

  test("profile versions must follow the grammar", () => {
    for (const bad of ["wlcg:", "wlcg:1", "wlcg:1.0.0", "wlcg:v1.0"]) {
      expect(parseScope(bad).ok, bad).toBe(false);
    }
  });

  test("unknown compute capabilities are ordinary scopes", () => {
    expect(parseScope("compute.frobnicate")).toEqual({
      ok: true,
      value: { kind: "other", name: "compute.frobnicate" },
    });
  });

  test("errors carry the OAuth code, the scope and the reason", () => {
    const result = parseScope("storage.read");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(ScopeError);
    expect(result.error.code).toBe("invalid_scope");
    expect(result.error.scope).toBe("storage.read");
    expect(result.error.message).toBe('invalid scope "storage.read": storage scope without a path');
  });

  test("parseScopeOrThrow throws ScopeError", () => {
    expect(() => parseScopeOrThrow("compute.read:/x")).toThrow(ScopeError);
    expect(parseScopeOrThrow("openid")).toEqual({ kind: "other", name: "openid" });
  });
});

describe("formatScope", () => {
  test("canonical forms", () => {
    expect(formatScope({ kind: "storage", capability: "storage.read", path: "/" })).toBe("storage.read:/");
    expect(formatScope({ kind: "compute", capability: "compute.cancel" })).toBe("compute.cancel");
    expect(formatScope({ kind: "groups" })).toBe("wlcg.groups");
    expect(formatScope({ kind: "groups", group: "/cms" })).toBe("wlcg.groups:/cms");
    expect(formatScope({ kind: "profile", version: "1.0" })).toBe("wlcg");
    expect(formatScope({ kind: "other", name: "read:tap" })).toBe("read:tap");
  });

  test("a trailing slash is dropped in the canonical form", () => {
    expect(formatScope(parseScopeOrThrow("storage.create:/cms/"))).toBe("storage.create:/cms");
  });
});
