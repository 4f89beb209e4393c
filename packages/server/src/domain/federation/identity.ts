/** An account's link to an identity at an upstream provider: (provider, subject) is unique. */
export interface Identity {
  id: string;
  accountId: string;
  /** The configured provider id (`cilogon`, `github`). */
  provider: string;
  /** The upstream `sub` (OIDC) or the numeric user id (GitHub): stable, never the login name. */
  subject: string;
  /** What the provider said at the last sign-in, for display only. */
  email: string | null;
  username: string | null;
  createdAt: number;
  lastLoginAt: number | null;
}

export interface IdentityRepository {
  /** Throws ConflictError("identity") when (provider, subject) is already linked. */
  create(identity: Identity): Promise<void>;
  find(provider: string, subject: string): Promise<Identity | undefined>;
  findById(id: string): Promise<Identity | undefined>;
  listForAccount(accountId: string): Promise<Identity[]>;
  touch(id: string, at: number, seen: { email: string | null; username: string | null }): Promise<void>;
  delete(id: string): Promise<void>;
}

/** What an upstream provider told us about the person who just signed in there. */
export interface UpstreamIdentity {
  provider: string;
  subject: string;
  email: string | null;
  /** True when the provider asserts the email was verified (`email_verified`, GitHub's flag). */
  emailVerified: boolean;
  name: string | null;
  preferredUsername: string | null;
  /** Groups the provider vouches for (GitHub teams as `/<org>-<team>`), synchronised at each login. */
  groups: string[];
}
