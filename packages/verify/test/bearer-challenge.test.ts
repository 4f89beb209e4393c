import { bearerChallenge, TokenError } from "@tessera/verify";
import { describe, expect, test } from "vitest";

describe("bearerChallenge", () => {
  test("without an error, only the realm (RFC 6750 §3)", () => {
    expect(bearerChallenge()).toBe('Bearer realm="tessera"');
    expect(bearerChallenge(undefined, { realm: "dcache" })).toBe('Bearer realm="dcache"');
  });

  test("invalid_token", () => {
    expect(bearerChallenge(new TokenError("invalid_token", "the token has expired"))).toBe(
      'Bearer realm="tessera", error="invalid_token", error_description="the token has expired"',
    );
  });

  test("insufficient_scope names the scopes that would do", () => {
    const error = new TokenError("insufficient_scope", "the token lacks the scope compute.create", {
      scope: ["compute.create", "storage.read:/cms"],
    });
    expect(bearerChallenge(error)).toBe(
      'Bearer realm="tessera", error="insufficient_scope", error_description="the token lacks the scope compute.create", scope="compute.create storage.read:/cms"',
    );
  });

  test("quotes and backslashes are escaped", () => {
    const error = new TokenError("invalid_token", 'issuer "x\\y" is not trusted');
    expect(bearerChallenge(error, { realm: 'a"b' })).toBe(
      'Bearer realm="a\\"b", error="invalid_token", error_description="issuer \\"x\\\\y\\" is not trusted"',
    );
  });

  test("CR, LF and non-ASCII cannot split or corrupt the header", () => {
    const value = bearerChallenge(new TokenError("invalid_token", "bad\r\nSet-Cookie: x=1 é"));
    expect(value).not.toMatch(/[\r\n]/);
    expect(value).toMatch(/^[\x20-\x7e]+$/);
    expect(value).toContain('error_description="bad??Set-Cookie: x=1 ?"');
  });

  test("TokenError carries code, description and HTTP status", () => {
    const invalid = new TokenError("invalid_token", "nope");
    expect(invalid).toBeInstanceOf(Error);
    expect([invalid.code, invalid.description, invalid.status, invalid.message]).toEqual([
      "invalid_token",
      "nope",
      401,
      "invalid_token: nope",
    ]);
    expect(new TokenError("insufficient_scope", "x").status).toBe(403);
  });
});
