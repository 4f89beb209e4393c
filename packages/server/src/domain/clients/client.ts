export const CLIENT_AUTH_METHODS = [
  "client_secret_basic",
  "client_secret_post",
  "private_key_jwt",
  "none",
] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

export interface Client {
  clientId: string;
  clientName: string;
  /** SHA-256 of the generated secret; null for public and private_key_jwt clients. */
  secretHash: string | null;
  authMethod: ClientAuthMethod;
  applicationType: "web" | "native";
  redirectUris: string[];
  grantTypes: string[];
  /** The scopes this client may obtain; parametric ones cover their sub-paths. */
  scopes: string[];
  /** Audiences the client may ask for; empty: any. */
  audiences: string[];
  /** Per-client lifetimes in seconds; null: the server default. */
  accessTokenLifetime: number | null;
  refreshTokenLifetime: number | null;
  jwks: { keys: object[] } | null;
  ownerAccountId: string | null;
  registrationTokenHash: string | null;
  /** A trusted client (set by administrators) whose users never see the consent page. */
  skipConsent: boolean;
  /** Where RP-initiated logout may return (OIDC RP-Initiated Logout 1.0 §3.1); matched exactly. */
  postLogoutRedirectUris: string[];
  /** Set while the client is suspended: it cannot authenticate and its tokens are inactive. */
  suspendedAt?: number | null;
  /** When the registration access token stops working; null or absent: never (administrator-made clients have none). */
  registrationTokenExpiresAt?: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface ClientRepository {
  /** Throws ConflictError("client_id") when taken. */
  create(client: Client): Promise<void>;
  find(clientId: string): Promise<Client | undefined>;
  update(client: Client): Promise<void>;
  delete(clientId: string): Promise<void>;
  list(options: { limit: number; after?: string }): Promise<Client[]>;
  /** How many clients an account registered itself. */
  countOwnedBy(accountId: string): Promise<number>;
}

export function isPublicClient(client: Pick<Client, "authMethod">): boolean {
  return client.authMethod === "none";
}
