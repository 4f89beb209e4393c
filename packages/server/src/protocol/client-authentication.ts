/**
 * Client authentication at the token, device, introspection and revocation endpoints
 * (RFC 6749 §2.3, §3.2.1; RFC 7523; OIDC Core §9):
 * - a client authenticates only with the method it registered: a confidential client cannot
 *   fall back to `none`, a public one cannot present a secret;
 * - secrets are compared as SHA-256 hashes in constant time;
 * - every failure is `invalid_client` (401), with the same description whether the client is
 *   unknown or the secret wrong.
 */
import type { Client } from "../domain/clients/client.js";
import {
  type PresentedCredentials,
  presentedCredentials,
  verifyClientAssertion,
} from "./client-credentials.js";
import { OAuthError } from "./oauth-error.js";

export interface ClientAuthenticationDeps {
  findClient(clientId: string): Promise<Client | undefined>;
  secretMatches(client: Client, secret: string): boolean;
  /** URLs a client assertion may name as audience: the endpoint and the issuer. */
  assertionAudiences: readonly string[];
  now(): number;
  isReplay(jti: string, expiresAt: number): Promise<boolean>;
}

const FAILED = "client authentication failed";

/** The form parameters a client may authenticate with, read by every client-facing endpoint. */
export const CLIENT_AUTH_PARAMETERS = [
  "client_id",
  "client_secret",
  "client_assertion",
  "client_assertion_type",
] as const;

export async function authenticateClient(
  deps: ClientAuthenticationDeps,
  authorization: string | undefined,
  params: Record<string, string | undefined>,
): Promise<Client> {
  const presented = presentedCredentials(authorization, params);
  if (!presented) throw new OAuthError("invalid_client", "no client authentication was given");
  const client = await deps.findClient(presented.clientId);
  if (!client) throw new OAuthError("invalid_client", FAILED);
  if (!(await credentialsValid(deps, client, presented))) throw new OAuthError("invalid_client", FAILED);
  if (client.suspendedAt) throw new OAuthError("invalid_client", "this client is suspended");
  return client;
}

async function credentialsValid(
  deps: ClientAuthenticationDeps,
  client: Client,
  presented: PresentedCredentials,
) {
  switch (presented.method) {
    case "none":
      return client.authMethod === "none";
    case "client_secret_basic":
    case "client_secret_post":
      // Basic and post are interchangeable in practice (IAM accepts both for either registration).
      return (
        (client.authMethod === "client_secret_basic" || client.authMethod === "client_secret_post") &&
        deps.secretMatches(client, presented.secret)
      );
    case "private_key_jwt": {
      if (client.authMethod !== "private_key_jwt" || !client.jwks) return false;
      await verifyClientAssertion(presented.assertion, {
        clientId: client.clientId,
        audiences: deps.assertionAudiences,
        jwks: client.jwks,
        now: deps.now(),
        isReplay: deps.isReplay,
      });
      return true;
    }
  }
}
