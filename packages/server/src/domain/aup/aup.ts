/** The acceptable-use policy: its text (and/or a link) and how long a signature lasts. */
export interface Aup {
  text: string;
  url: string | null;
  /** Days a signature stays valid; 0: signing once is enough. */
  validityDays: number;
  updatedAt: number;
}

export interface AupRepository {
  get(): Promise<Aup | undefined>;
  put(aup: Aup): Promise<void>;
  remove(): Promise<void>;
  signedAt(accountId: string): Promise<number | undefined>;
  sign(accountId: string, at: number): Promise<void>;
}
