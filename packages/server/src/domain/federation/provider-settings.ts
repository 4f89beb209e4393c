/** How an upstream identity provider is set up (read from the configuration file by config/federation.ts). */
export interface OidcProviderConfig {
  type: "oidc";
  id: string;
  name: string;
  /** Issuer or discovery URL (`…/.well-known/openid-configuration`). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** Automatic enrolment: unknown identities become active accounts, their email taken as verified. */
  trusted: boolean;
  defaultGroups: string[];
}

export interface GithubProviderConfig {
  type: "github";
  id: string;
  name: string;
  clientId: string;
  clientSecret: string;
  /** When set, only members of these organisations may sign in, and only their teams become groups. */
  organisations: string[];
  trusted: boolean;
  defaultGroups: string[];
  authorizeUrl: string;
  tokenUrl: string;
  apiBaseUrl: string;
}

export type FederationProviderConfig = OidcProviderConfig | GithubProviderConfig;
