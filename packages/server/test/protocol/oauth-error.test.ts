import { describe, expect, test } from "vitest";
import { OAuthError, type OAuthErrorCode, safeDescription } from "../../src/protocol/oauth-error.js";

describe("OAuthError", () => {
  test.each<[OAuthErrorCode, number]>([
    ["invalid_request", 400],
    ["invalid_client", 401],
    ["invalid_grant", 400],
    ["unauthorized_client", 400],
    ["unsupported_grant_type", 400],
    ["invalid_scope", 400],
    ["access_denied", 400],
    ["unsupported_response_type", 400],
    ["server_error", 500],
    ["temporarily_unavailable", 503],
    ["authorization_pending", 400],
    ["slow_down", 400],
    ["expired_token", 400],
    ["invalid_target", 400],
    ["invalid_token", 401],
    ["insufficient_scope", 403],
    ["invalid_redirect_uri", 400],
    ["invalid_client_metadata", 400],
    ["login_required", 400],
    ["consent_required", 400],
    ["interaction_required", 400],
  ])("%s defaults to status %i", (code, status) => {
    const error = new OAuthError(code, "x");
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
  });

  test("an explicit status wins", () => {
    expect(new OAuthError("invalid_client", "x", { status: 400 }).status).toBe(400);
    expect(new OAuthError("invalid_request", "x", {}).status).toBe(400);
  });

  test("is an Error with a name, a message and the RFC 6749 §5.2 JSON body", () => {
    const error = new OAuthError("invalid_grant", "code expired");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("OAuthError");
    expect(error.message).toContain("code expired");
    expect(error.toJSON()).toEqual({ error: "invalid_grant", error_description: "code expired" });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      error: "invalid_grant",
      error_description: "code expired",
    });
  });

  test('the description is restricted to %x20-21 / %x23-5B / %x5D-7E ("" and \\ excluded)', () => {
    const error = new OAuthError("invalid_request", 'bad "value"\\ with\ttab\nnewline é 😀 \u0000');
    expect(error.description).toBe("bad 'value'? with?tab?newline ? ? ?");
    expect(error.toJSON().error_description).toBe(error.description);
    for (const ch of error.description) {
      const c = ch.charCodeAt(0);
      expect(c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c).toBe(true);
    }
  });

  test("every permitted character is kept as is", () => {
    let all = "";
    for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x22 && c !== 0x5c) all += String.fromCharCode(c);
    expect(safeDescription(all)).toBe(all);
  });

  test("header-splitting characters cannot survive", () => {
    expect(new OAuthError("invalid_request", "a\r\nSet-Cookie: x=y").description).toBe("a??Set-Cookie: x=y");
  });

  test("very long descriptions are cut", () => {
    const description = new OAuthError("invalid_request", "x".repeat(5000)).description;
    expect(description.length).toBeLessThanOrEqual(500);
    expect(description.endsWith("...")).toBe(true);
  });
});
