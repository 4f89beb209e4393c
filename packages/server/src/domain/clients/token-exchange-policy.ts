/**
 * Token exchange policies (RFC 8693 delegation, as INDIGO IAM does it): which client may
 * exchange tokens issued to which other client.
 * - a policy names the origin client (the one the subject token was issued to) and the
 *   destination client (the one asking for the exchange); either may be `*`, any client;
 * - one policy per pair; the most specific one decides: the exact pair, then an exact
 *   destination with any origin, then an exact origin with any destination, then `*`→`*`;
 * - `allowRefresh` lets the exchange hand out a refresh token (when `offline_access` is granted);
 * - `scopeCeiling` bounds the exchanged token further (empty: no bound beyond the subject token
 *   and the destination client's own scopes).
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";

export const ANY_CLIENT = "*";

export interface TokenExchangePolicy {
  id: string;
  originClientId: string;
  destinationClientId: string;
  allowRefresh: boolean;
  scopeCeiling: string[];
  createdAt: number;
}

export interface TokenExchangePolicyRepository {
  /** Throws ConflictError("token_exchange_policy") when the pair already has a policy. */
  create(policy: TokenExchangePolicy): Promise<void>;
  list(): Promise<TokenExchangePolicy[]>;
  /** False when there was no such policy. */
  delete(id: string): Promise<boolean>;
  /** Every policy whose origin and destination each equal the given client or `*`. */
  candidates(originClientId: string, destinationClientId: string): Promise<TokenExchangePolicy[]>;
}

export type TokenExchangePolicySettings = Omit<TokenExchangePolicy, "id" | "createdAt">;

/** How specific a matching policy is: higher wins (exact destination outranks exact origin). */
function specificity(policy: TokenExchangePolicy): number {
  return (policy.destinationClientId === ANY_CLIENT ? 0 : 2) + (policy.originClientId === ANY_CLIENT ? 0 : 1);
}

/** The policy that decides an exchange of a token of `origin` by `destination`, if any. */
export function choosePolicy(
  candidates: readonly TokenExchangePolicy[],
  origin: string,
  destination: string,
): TokenExchangePolicy | undefined {
  const matching = candidates.filter(
    (p) =>
      (p.originClientId === origin || p.originClientId === ANY_CLIENT) &&
      (p.destinationClientId === destination || p.destinationClientId === ANY_CLIENT),
  );
  return matching.sort((a, b) => specificity(b) - specificity(a))[0];
}

export function createTokenExchangePolicyService(deps: {
  policies: TokenExchangePolicyRepository;
  clock: Clock;
}) {
  const { policies, clock } = deps;
  return {
    async create(settings: TokenExchangePolicySettings): Promise<TokenExchangePolicy> {
      const policy: TokenExchangePolicy = {
        id: randomUUID(),
        originClientId: settings.originClientId,
        destinationClientId: settings.destinationClientId,
        allowRefresh: settings.allowRefresh,
        scopeCeiling: [...new Set(settings.scopeCeiling.filter(Boolean))],
        createdAt: clock.now(),
      };
      await policies.create(policy);
      return policy;
    },
    list: () => policies.list(),
    delete: (id: string) => policies.delete(id),
    /** The policy that decides whether `destination` may exchange a token issued to `origin`. */
    async find(origin: string, destination: string): Promise<TokenExchangePolicy | undefined> {
      return choosePolicy(await policies.candidates(origin, destination), origin, destination);
    },
  };
}

export type TokenExchangePolicyService = ReturnType<typeof createTokenExchangePolicyService>;
