/**
 * RFC 8414 / OpenID Connect Discovery 1.0 metadata. Only endpoints that exist are advertised:
 * each capability adds its own entries, so the document never promises more than the server does.
 */
export interface DiscoveryInput {
  issuer: string;
  signingAlgorithms: readonly string[];
  scopes: readonly string[];
  claims: readonly string[];
  /** Extra metadata contributed by the grants and endpoints that are installed. */
  capabilities: readonly Record<string, unknown>[];
}

export function discoveryDocument(input: DiscoveryInput): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    issuer: input.issuer,
    jwks_uri: `${input.issuer}/jwk`,
    scopes_supported: [...input.scopes],
    claims_supported: [...input.claims],
    id_token_signing_alg_values_supported: [...input.signingAlgorithms],
    subject_types_supported: ["public"],
  };
  for (const capability of input.capabilities) {
    for (const [key, value] of Object.entries(capability)) {
      const existing = doc[key];
      doc[key] =
        Array.isArray(existing) && Array.isArray(value) ? [...new Set([...existing, ...value])] : value;
    }
  }
  return doc;
}
