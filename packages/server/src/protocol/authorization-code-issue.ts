/**
 * Issuing an authorization code (RFC 6749 §4.1.2, §10.5): a 256-bit single-use secret, stored as
 * a hash, short-lived (60 s by default), bound to client, redirect URI, PKCE challenge and nonce.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../domain/clock.js";
import type { AuthorizationCodeRepository } from "../domain/grants/authorization-code.js";
import { hashSecret, randomSecret } from "../domain/secrets/random-secret.js";
import type { AuthorizationRequest } from "./authorization-request.js";

export async function issueAuthorizationCode(
  deps: { codes: AuthorizationCodeRepository; clock: Clock; lifetime: number },
  request: AuthorizationRequest,
  grantee: { accountId: string; authTime: number },
): Promise<string> {
  const code = randomSecret();
  const now = deps.clock.now();
  await deps.codes.create({
    codeHash: hashSecret(code),
    clientId: request.client.clientId,
    accountId: grantee.accountId,
    redirectUri: request.redirectUri,
    scope: request.scope,
    audiences: request.audiences,
    nonce: request.nonce ?? null,
    codeChallenge: request.codeChallenge ?? null,
    authTime: grantee.authTime,
    familyId: randomUUID(),
    createdAt: now,
    expiresAt: now + deps.lifetime * 1000,
    usedAt: null,
  });
  return code;
}
