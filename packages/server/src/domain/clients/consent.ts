/**
 * Remembered consent, as INDIGO IAM's "approved sites" and Keycloak's user consents: once an
 * account approves scopes for a client, later requests for the same scopes, or narrower ones
 * (`storage.read:/cms` covers `storage.read:/cms/x`, WLCG profile), skip the consent page.
 * Approving more widens what is remembered (the union); revoking forgets it all.
 */
import { scopeImplies } from "@tessera/profile";
import type { Clock } from "../clock.js";
import type { RefreshTokenRepository } from "../grants/refresh-token.js";

export interface Consent {
  accountId: string;
  clientId: string;
  /** The approved scopes, in the order first approved. */
  scopes: string[];
  createdAt: number;
  updatedAt: number;
}

export interface ConsentRepository {
  find(accountId: string, clientId: string): Promise<Consent | undefined>;
  /** Inserts, or adds `scopes` to what is remembered (union); returns the stored consent. */
  grant(accountId: string, clientId: string, scopes: readonly string[], at: number): Promise<Consent>;
  /** True when there was a consent to forget. */
  revoke(accountId: string, clientId: string): Promise<boolean>;
  listForAccount(accountId: string): Promise<Consent[]>;
}

/** Whether `consent` covers every one of `requested` (each implied by an approved scope). */
export function consentCovers(consent: Consent | undefined, requested: readonly string[]): boolean {
  if (!consent) return false;
  return requested.every((scope) => consent.scopes.some((held) => scopeImplies(held, scope)));
}

/** The union of two scope lists, first-seen order kept. */
export function unionScopes(held: readonly string[], added: readonly string[]): string[] {
  return [...new Set([...held, ...added])];
}

export function createConsentService(deps: {
  consents: ConsentRepository;
  refreshTokens: Pick<RefreshTokenRepository, "revokeForAccountAndClient">;
  clock: Clock;
}) {
  const { consents, clock } = deps;
  return {
    async covers(accountId: string, clientId: string, requested: readonly string[]): Promise<boolean> {
      return consentCovers(await consents.find(accountId, clientId), requested);
    },
    remember: (accountId: string, clientId: string, scopes: readonly string[]) =>
      consents.grant(accountId, clientId, scopes, clock.now()),
    find: (accountId: string, clientId: string) => consents.find(accountId, clientId),
    listForAccount: (accountId: string) => consents.listForAccount(accountId),
    revoke: (accountId: string, clientId: string) => consents.revoke(accountId, clientId),
    /**
     * The user takes back what they allowed a client: the consent is forgotten and the client's
     * refresh tokens for the account are revoked, so the client keeps no standing access (its
     * short-lived access tokens run out on their own). False when there was no consent.
     */
    async withdraw(accountId: string, clientId: string): Promise<boolean> {
      if (!(await consents.revoke(accountId, clientId))) return false;
      await deps.refreshTokens.revokeForAccountAndClient(accountId, clientId, clock.now());
      return true;
    },
  };
}

export type ConsentService = ReturnType<typeof createConsentService>;
