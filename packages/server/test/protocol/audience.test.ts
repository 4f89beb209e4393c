import { describe, expect, test } from "vitest";
import { MAX_AUDIENCE_LENGTH, requestedAudiences } from "../../src/protocol/audience.js";
import { expectOAuthError } from "./expect-oauth-error.js";

describe("requestedAudiences: the audience parameter (IAM style)", () => {
  test("nothing asked for → empty (the caller applies the profile default)", () => {
    expect(requestedAudiences(undefined, [])).toEqual([]);
    expect(requestedAudiences("", [])).toEqual([]);
    expect(requestedAudiences("   ", [])).toEqual([]);
  });

  test("split on any whitespace run, empty items ignored, trailing space allowed", () => {
    expect(requestedAudiences("  rucio  https://fts.example:8446 \t cms\n", [])).toEqual([
      "rucio",
      "https://fts.example:8446",
      "cms",
    ]);
  });

  test("duplicates removed, first occurrence kept", () => {
    expect(requestedAudiences("b a b a", [])).toEqual(["b", "a"]);
  });

  test("plain strings and the WLCG any-audience are accepted", () => {
    expect(requestedAudiences("https://wlcg.cern.ch/jwt/v1/any", [])).toEqual([
      "https://wlcg.cern.ch/jwt/v1/any",
    ]);
    expect(requestedAudiences("a:b!~{}", [])).toEqual(["a:b!~{}"]);
  });

  test(`items up to ${MAX_AUDIENCE_LENGTH} characters; longer is invalid_request`, () => {
    expect(requestedAudiences("a".repeat(MAX_AUDIENCE_LENGTH), [])).toHaveLength(1);
    expectOAuthError(() => requestedAudiences("a".repeat(MAX_AUDIENCE_LENGTH + 1), []), "invalid_request");
  });

  test.each(["caf\u00e9", "a\u0000b", "a\u00a0b", "\u2028x", "a\u007fb", "\u{1f600}"])(
    "non-visible-ASCII item %j is invalid_request",
    (item) => {
      const error = expectOAuthError(() => requestedAudiences(`ok ${item}`, []), "invalid_request");
      expect(error.status).toBe(400);
    },
  );
});

describe("requestedAudiences: RFC 8707 resource", () => {
  test("absolute URIs are accepted verbatim, after the audience items, deduplicated", () => {
    expect(
      requestedAudiences("rucio https://a.example/", [
        "https://a.example/",
        "https://b.example/api?x=1",
        "urn:x:y",
      ]),
    ).toEqual(["rucio", "https://a.example/", "https://b.example/api?x=1", "urn:x:y"]);
  });

  test("resources without audience", () => {
    expect(requestedAudiences(undefined, ["https://a.example", "https://a.example"])).toEqual([
      "https://a.example",
    ]);
  });

  test("not normalised: case and trailing slash keep values distinct", () => {
    expect(requestedAudiences(undefined, ["https://A.example/", "https://a.example"])).toEqual([
      "https://A.example/",
      "https://a.example",
    ]);
  });

  test.each([
    "/relative/path",
    "a.example/api",
    "//a.example/api",
    "",
    "https://a.example/ space",
    "https://a.example/\u00e9",
    "https://a.example/%zz",
    "https://a.example/\\x",
    "1https://a.example/",
    ":no-scheme",
    "https://[::1/",
  ])("%j is not an absolute URI → invalid_target", (resource) => {
    expectOAuthError(() => requestedAudiences(undefined, [resource]), "invalid_target", /absolute URI/);
  });

  test.each(["https://a.example/#frag", "https://a.example/#", "urn:x:y#z"])(
    "%j has a fragment → invalid_target",
    (resource) => {
      const error = expectOAuthError(
        () => requestedAudiences(undefined, [resource]),
        "invalid_target",
        /fragment/,
      );
      expect(error.status).toBe(400);
    },
  );

  test("a bad resource fails the whole request even when the audience is fine", () => {
    expectOAuthError(() => requestedAudiences("rucio", ["https://ok.example/", "nope"]), "invalid_target");
  });
});
