import type { FastifyInstance } from "fastify";
import type { Config } from "../../config/load.js";
import { CLIENT_AUTH_METHODS } from "../../domain/clients/client.js";
import type { KeyRing } from "../../domain/keys/key-ring.js";
import { CLIENT_ASSERTION_ALGORITHMS } from "../../protocol/client-credentials.js";
import { discoveryDocument } from "../../protocol/discovery.js";
import { SUPPORTED_GRANT_TYPES } from "../../protocol/token-endpoint.js";

const SCOPES = ["openid", "profile", "email", "offline_access", "wlcg", "wlcg.groups"];
const CLAIMS = [
  "sub",
  "iss",
  "aud",
  "exp",
  "iat",
  "nbf",
  "jti",
  "name",
  "preferred_username",
  "email",
  "wlcg.ver",
  "wlcg.groups",
  "groups",
  "organisation_name",
];

export function wellKnownRoutes(app: FastifyInstance, deps: { config: Config; keys: KeyRing }): void {
  const { config, keys } = deps;
  const document = discoveryDocument({
    issuer: config.issuer,
    signingAlgorithms: [config.keys.algorithm],
    scopes: SCOPES,
    claims: CLAIMS,
    // Each installed endpoint advertises itself; nothing is listed before it exists.
    capabilities: [
      {
        token_endpoint: `${config.issuer}/token`,
        grant_types_supported: SUPPORTED_GRANT_TYPES,
        token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
        token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS],
      },
      {
        device_authorization_endpoint: `${config.issuer}/devicecode`,
      },
      {
        introspection_endpoint: `${config.issuer}/introspect`,
        // RFC 7662 §2.1: the caller must be authorised, so public clients cannot introspect.
        introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS.filter((m) => m !== "none"),
        introspection_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS],
        revocation_endpoint: `${config.issuer}/revoke`,
        revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
        revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS],
        userinfo_endpoint: `${config.issuer}/userinfo`,
      },
      {
        registration_endpoint: `${config.issuer}/register`,
      },
      {
        // OpenID Connect RP-Initiated Logout 1.0 §2.1.
        end_session_endpoint: `${config.issuer}/logout`,
      },
      {
        authorization_endpoint: `${config.issuer}/authorize`,
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        code_challenge_methods_supported: ["S256"],
        authorization_response_iss_parameter_supported: true,
      },
    ],
  });
  const body = JSON.stringify(document);
  const sendDiscovery = async (_: unknown, reply: import("fastify").FastifyReply) =>
    reply.header("cache-control", "public, max-age=3600").type("application/json").send(body);
  app.get("/.well-known/openid-configuration", sendDiscovery);
  app.get("/.well-known/oauth-authorization-server", sendDiscovery);

  // Verifiers may cache the JWKS no longer than half the prepublication delay, so a new key is
  // known everywhere before it signs.
  const maxAge = Math.max(0, Math.min(3600, Math.floor(config.keys.prepublish / 2)));
  app.get("/jwk", async (_request, reply) =>
    reply
      .header("cache-control", `public, max-age=${maxAge}`)
      .type("application/jwk-set+json")
      .send(await keys.jwks()),
  );
}
