import type { FastifyInstance } from "fastify";
import type { Clock } from "../../domain/clock.js";
import type { Services } from "../../services.js";
import type { Csrf } from "../csrf.js";
import type { SessionContext } from "../session-context.js";
import { accountsApi } from "./accounts-api.js";
import { createApiCallers } from "./api-caller.js";
import { aupApi } from "./aup-api.js";
import { clientsApi } from "./clients-api.js";
import { consentsApi } from "./consents-api.js";
import { csrfApi } from "./csrf-api.js";
import { exchangePoliciesApi } from "./exchange-policies-api.js";
import { groupsApi } from "./groups-api.js";
import { identitiesApi } from "./identities-api.js";
import { operatorApi } from "./operator-api.js";
import { policiesApi } from "./policies-api.js";
import { registrationsApi } from "./registrations-api.js";
import { sessionsApi } from "./sessions-api.js";
import { tokensApi } from "./tokens-api.js";
import { totpApi } from "./totp-api.js";

/**
 * The REST API under /api/v1: JSON in and out, RFC 7807 problem JSON for every error (the app's
 * error handler), schemas that also feed /api/openapi.json. Every action the dashboard offers
 * goes through here.
 */
export async function apiRoutes(
  app: FastifyInstance,
  deps: {
    services: Services;
    session: SessionContext;
    csrf: Csrf;
    bootstrapToken: string | undefined;
    clock: Clock;
  },
): Promise<void> {
  const callers = createApiCallers({
    bootstrapToken: deps.bootstrapToken,
    accessTokens: deps.services.ownAccessTokens,
    session: deps.session,
    csrf: deps.csrf,
  });
  await app.register(
    async (api) => {
      api.addHook("onSend", async (_request, reply) => {
        reply.header("cache-control", "no-store");
      });
      operatorApi(api, { callers, keys: deps.services.keys, audit: deps.services.audit, clock: deps.clock });
      csrfApi(api, { callers, csrf: deps.csrf });
      accountsApi(api, {
        callers,
        accounts: deps.services.accounts,
        audit: deps.services.audit,
        clock: deps.clock,
      });
      clientsApi(api, { callers, clients: deps.services.clients });
      groupsApi(api, { callers, groups: deps.services.groups, accounts: deps.services.accounts });
      identitiesApi(api, {
        callers,
        federation: deps.services.federation,
        upstreams: deps.services.upstreams,
      });
      policiesApi(api, { callers, policies: deps.services.scopePolicies, accounts: deps.services.accounts });
      exchangePoliciesApi(api, { callers, policies: deps.services.tokenExchangePolicies });
      aupApi(api, { callers, aup: deps.services.aup });
      totpApi(api, { callers, totp: deps.services.totp, accounts: deps.services.accounts });
      sessionsApi(api, {
        callers,
        sessions: deps.services.sessions,
        session: deps.session,
        audit: deps.services.audit,
      });
      consentsApi(api, {
        callers,
        consents: deps.services.consents,
        clients: deps.services.clients,
        audit: deps.services.audit,
      });
      tokensApi(api, {
        callers,
        tokens: deps.services.gateway.tokens,
        userScopes: deps.services.gateway.userScopes,
        accounts: deps.services.accounts,
      });
      registrationsApi(api, {
        callers,
        registrations: deps.services.registrations,
        throttle: deps.services.throttle,
      });
    },
    { prefix: "/api/v1" },
  );
}
