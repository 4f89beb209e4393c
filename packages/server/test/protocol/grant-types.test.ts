import { describe, expect, expectTypeOf, test } from "vitest";
import {
  GRANT_TYPES,
  type GrantType,
  isGrantType,
  isTokenType,
  TOKEN_TYPES,
  type TokenType,
} from "../../src/protocol/grant-types.js";

describe("grant types (RFC 6749, RFC 8628 §3.4, RFC 8693 §2.1)", () => {
  test("the registered identifiers, spelled exactly", () => {
    expect(GRANT_TYPES).toEqual({
      authorizationCode: "authorization_code",
      refreshToken: "refresh_token",
      clientCredentials: "client_credentials",
      password: "password",
      deviceCode: "urn:ietf:params:oauth:grant-type:device_code",
      tokenExchange: "urn:ietf:params:oauth:grant-type:token-exchange",
    });
  });

  test("isGrantType accepts exactly those", () => {
    for (const value of Object.values(GRANT_TYPES)) expect(isGrantType(value)).toBe(true);
    for (const value of ["implicit", "AUTHORIZATION_CODE", "device_code", "", "toString", "__proto__"]) {
      expect(isGrantType(value)).toBe(false);
    }
  });

  test("the union type is the set of literal values", () => {
    expectTypeOf<GrantType>().toEqualTypeOf<
      | "authorization_code"
      | "refresh_token"
      | "client_credentials"
      | "password"
      | "urn:ietf:params:oauth:grant-type:device_code"
      | "urn:ietf:params:oauth:grant-type:token-exchange"
    >();
  });
});

describe("token types (RFC 8693 §3)", () => {
  test("the registered identifiers, spelled exactly", () => {
    expect(TOKEN_TYPES).toEqual({
      accessToken: "urn:ietf:params:oauth:token-type:access_token",
      refreshToken: "urn:ietf:params:oauth:token-type:refresh_token",
      idToken: "urn:ietf:params:oauth:token-type:id_token",
      jwt: "urn:ietf:params:oauth:token-type:jwt",
    });
  });

  test("isTokenType accepts exactly those", () => {
    for (const value of Object.values(TOKEN_TYPES)) expect(isTokenType(value)).toBe(true);
    for (const value of [
      "access_token",
      "urn:ietf:params:oauth:token-type:saml2",
      "urn:ietf:params:oauth:token-type:JWT",
    ]) {
      expect(isTokenType(value)).toBe(false);
    }
  });

  test("the union type is the set of literal values", () => {
    expectTypeOf<TokenType>().toEqualTypeOf<
      | "urn:ietf:params:oauth:token-type:access_token"
      | "urn:ietf:params:oauth:token-type:refresh_token"
      | "urn:ietf:params:oauth:token-type:id_token"
      | "urn:ietf:params:oauth:token-type:jwt"
    >();
  });
});
