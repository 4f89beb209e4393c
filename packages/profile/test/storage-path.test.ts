import { checkScopePath, normalisePath, pathCovers } from "@tessera/profile";
import { describe, expect, test } from "vitest";

describe("normalisePath", () => {
  test("resolves dot segments, empty segments and trailing slashes", () => {
    expect(normalisePath("/a/./b//c/../d/")).toBe("/a/b/d");
    expect(normalisePath("/")).toBe("/");
    expect(normalisePath("//")).toBe("/");
  });

  test("never climbs above the root", () => {
    expect(normalisePath("/../../etc/passwd")).toBe("/etc/passwd");
  });

  test("decodes percent-encoding before resolving", () => {
    expect(normalisePath("/cms/%2e%2e/atlas")).toBe("/atlas");
    expect(normalisePath("/cms%2f..%2fatlas")).toBe("/atlas");
    expect(normalisePath("/my%20file")).toBe("/my file");
  });

  test("decodes once only", () => {
    expect(normalisePath("/cms/%252e%252e/atlas")).toBe("/cms/%2e%2e/atlas");
  });

  test("refuses relative paths, broken encoding and NUL", () => {
    expect(normalisePath("cms")).toBeNull();
    expect(normalisePath("")).toBeNull();
    expect(normalisePath("/cms/100%")).toBeNull();
    expect(normalisePath("/cms/%00")).toBeNull();
  });
});

describe("pathCovers", () => {
  test("unresolvable paths are never covered (fail closed)", () => {
    expect(pathCovers("/", "relative")).toBe(false);
    expect(pathCovers("/", "/bad%zz")).toBe(false);
    expect(pathCovers("bad", "/cms")).toBe(false);
  });

  test("a granted path with encoding covers its decoded form", () => {
    expect(pathCovers("/my%20dir", "/my dir/f")).toBe(true);
  });

  test("climbing out with an encoded slash is not covered", () => {
    expect(pathCovers("/cms", "/cms%2f..%2f..%2fatlas")).toBe(false);
  });
});

describe("checkScopePath", () => {
  test("the root is valid as is", () => {
    expect(checkScopePath("/")).toEqual({ ok: true, path: "/" });
  });

  test("only one trailing slash is forgiven", () => {
    expect(checkScopePath("/cms/")).toEqual({ ok: true, path: "/cms" });
    expect(checkScopePath("/cms//").ok).toBe(false);
  });
});
