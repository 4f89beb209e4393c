import { expect } from "vitest";
import { OAuthError, type OAuthErrorCode } from "../../src/protocol/oauth-error.js";

/** Runs `fn` and returns the OAuthError it throws; fails the test if it throws nothing else. */
export function oauthErrorOf(fn: () => unknown): OAuthError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
  throw new Error("expected an OAuthError, nothing was thrown");
}

export async function asyncOAuthErrorOf(fn: () => Promise<unknown>): Promise<OAuthError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
  throw new Error("expected an OAuthError, nothing was thrown");
}

export function expectOAuthError(
  fn: () => unknown,
  code: OAuthErrorCode,
  description?: string | RegExp,
): OAuthError {
  const error = oauthErrorOf(fn);
  expect(error.code).toBe(code);
  if (typeof description === "string") expect(error.description).toBe(description);
  else if (description) expect(error.description).toMatch(description);
  return error;
}
