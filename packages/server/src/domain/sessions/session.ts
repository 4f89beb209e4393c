export interface Session {
  idHash: string;
  accountId: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  ip: string;
  userAgent: string;
}

export interface SessionRepository {
  create(session: Session): Promise<void>;
  find(idHash: string): Promise<Session | undefined>;
  touch(idHash: string, lastSeenAt: number): Promise<void>;
  delete(idHash: string): Promise<void>;
  deleteForAccount(accountId: string): Promise<void>;
  /** The account's sessions, most recently used first. */
  listForAccount(accountId: string): Promise<Session[]>;
}
