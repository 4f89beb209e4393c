/** One account's TOTP credential (RFC 6238). The secret is sealed: see totp-secret-box.ts. */
export interface TotpCredential {
  accountId: string;
  secretSealed: string;
  /** False between `start` and `confirm`: an enrolment that has not proved a working device yet. */
  enabled: boolean;
  /** The last time step (RFC 6238 T) a code was accepted for; codes of that step or older are refused. */
  lastStep: number | null;
  createdAt: number;
  enabledAt: number | null;
}

export interface TotpRepository {
  find(accountId: string): Promise<TotpCredential | undefined>;
  /** Stores a not-yet-enabled credential, replacing an earlier unconfirmed one; false when one is enabled. */
  putPending(accountId: string, secretSealed: string, at: number): Promise<boolean>;
  /**
   * Enables the pending credential, records `step` as used and replaces the recovery codes, in one
   * transaction; false when there was no pending credential or `step` was already used.
   */
  enable(
    accountId: string,
    step: number,
    recoveryCodeHashes: readonly string[],
    at: number,
  ): Promise<boolean>;
  /** Records `step` as used, atomically: false when it (or a later step) already was (a replayed code). */
  useStep(accountId: string, step: number): Promise<boolean>;
  /** Consumes one recovery code: true once, false on every later try. */
  useRecoveryCode(accountId: string, codeHash: string): Promise<boolean>;
  replaceRecoveryCodes(accountId: string, codeHashes: readonly string[], at: number): Promise<void>;
  countRecoveryCodes(accountId: string): Promise<number>;
  /** Removes the credential and its recovery codes; false when there was none. */
  delete(accountId: string): Promise<boolean>;
}

/** Who must use a second factor (`login.requireTotp`). */
export type TotpRequirement = "never" | "admins" | "all";
