import type { UpstreamIdentity } from "./identity.js";

/** What must survive from the redirect to the upstream provider until its callback. */
export interface PendingAuthorization {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** One configured upstream provider, behind the two steps of an authorization-code flow. */
export interface Upstream {
  id: string;
  name: string;
  /** The URL to send the browser to, and the values the callback is checked against. */
  start(redirectUri: string): Promise<{ url: string; pending: PendingAuthorization }>;
  /** Redeems the callback (`redirectUri` + its query) and says who signed in; throws UpstreamError. */
  finish(callback: URL, pending: PendingAuthorization): Promise<UpstreamIdentity>;
}

/** The upstream flow failed: a refused or tampered response (4xx) or an unreachable provider. */
export class UpstreamError extends Error {
  constructor(
    readonly code: "access_denied" | "invalid_response" | "unavailable" | "not_allowed",
    message: string,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}
