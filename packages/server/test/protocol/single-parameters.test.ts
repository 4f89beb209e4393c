import { describe, expect, test } from "vitest";
import { OAuthError } from "../../src/protocol/oauth-error.js";
import { repeatableParameter, singleParameters } from "../../src/protocol/single-parameters.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof OAuthError) return `${error.code}: ${error.description}`;
    throw error;
  }
  return undefined;
}

describe("singleParameters (RFC 6749 §3.1, §3.2)", () => {
  test("reads the named parameters and ignores the rest", () => {
    expect(
      singleParameters({ grant_type: "refresh_token", other: ["a", "b"] }, ["grant_type", "scope"]),
    ).toEqual({
      grant_type: "refresh_token",
      scope: undefined,
    });
  });

  test("every name is present as a key, even when absent", () => {
    const params = singleParameters({}, ["a", "b"]);
    expect(Object.keys(params)).toEqual(["a", "b"]);
  });

  test("a parameter sent twice is invalid_request", () => {
    expect(codeOf(() => singleParameters({ code: ["a", "b"] }, ["code"]))).toBe(
      "invalid_request: parameter code repeated",
    );
  });

  test("a repeat is a repeat even when the values are equal or one is empty", () => {
    expect(codeOf(() => singleParameters({ code: ["a", "a"] }, ["code"]))).toMatch(/^invalid_request/);
    expect(codeOf(() => singleParameters({ code: ["", "a"] }, ["code"]))).toMatch(/^invalid_request/);
  });

  test("an array of one is the value", () => {
    expect(singleParameters({ code: ["a"] }, ["code"])).toEqual({ code: "a" });
    expect(singleParameters({ code: [] }, ["code"])).toEqual({ code: undefined });
  });

  test("empty values are treated as omitted (§3.1)", () => {
    expect(singleParameters({ scope: "", state: [""] }, ["scope", "state"])).toEqual({
      scope: undefined,
      state: undefined,
    });
  });

  test("whitespace is a value, not an omission", () => {
    expect(singleParameters({ scope: " " }, ["scope"])).toEqual({ scope: " " });
  });

  test.each([
    [{ code: { nested: "x" } }],
    [{ code: 1 }],
    [{ code: true }],
    [{ code: null }],
    [{ code: [{ a: 1 }] }],
    [{ code: [1] }],
  ])("a non-string value %j is invalid_request", (body) => {
    expect(codeOf(() => singleParameters(body, ["code"]))).toBe("invalid_request: parameter code malformed");
  });

  test.each([undefined, null, "code=x", 42, ["code"]])(
    "a body that is not an object (%j) has no parameters",
    (body) => {
      expect(singleParameters(body, ["code"])).toEqual({ code: undefined });
    },
  );

  test("does not read through the prototype", () => {
    expect(singleParameters({}, ["constructor", "toString", "__proto__"])).toEqual({
      constructor: undefined,
      toString: undefined,
      __proto__: undefined,
    });
  });

  test("works on null-prototype objects (what querystring parsers produce)", () => {
    const body = Object.assign(Object.create(null) as Record<string, unknown>, { code: "abc" });
    expect(singleParameters(body, ["code"])).toEqual({ code: "abc" });
  });

  test("only the named parameters are checked for repeats", () => {
    expect(() => singleParameters({ resource: ["a", "b"], code: "c" }, ["code"])).not.toThrow();
  });
});

describe("repeatableParameter (RFC 8707 resource)", () => {
  test("one value, several values, none", () => {
    expect(repeatableParameter({ resource: "https://a.example/" }, "resource")).toEqual([
      "https://a.example/",
    ]);
    expect(repeatableParameter({ resource: ["https://a/", "https://b/"] }, "resource")).toEqual([
      "https://a/",
      "https://b/",
    ]);
    expect(repeatableParameter({}, "resource")).toEqual([]);
    expect(repeatableParameter(undefined, "resource")).toEqual([]);
    expect(repeatableParameter("resource=x", "resource")).toEqual([]);
  });

  test("empty values are dropped", () => {
    expect(repeatableParameter({ resource: ["", "https://a/", ""] }, "resource")).toEqual(["https://a/"]);
    expect(repeatableParameter({ resource: "" }, "resource")).toEqual([]);
  });

  test("non-string values are invalid_request", () => {
    expect(codeOf(() => repeatableParameter({ resource: { a: 1 } }, "resource"))).toMatch(/^invalid_request/);
    expect(codeOf(() => repeatableParameter({ resource: ["https://a/", 1] }, "resource"))).toMatch(
      /^invalid_request/,
    );
  });

  test("does not read through the prototype", () => {
    expect(repeatableParameter({}, "constructor")).toEqual([]);
  });
});
