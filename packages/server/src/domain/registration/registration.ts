import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../accounts/passwords.js";

/**
 * `unconfirmed`: waiting for the applicant to follow the emailed link; `pending`: email proven,
 * waiting for an administrator; then `approved` or `rejected`; `expired`: never confirmed.
 */
export type RegistrationStatus = "unconfirmed" | "pending" | "approved" | "rejected" | "expired";
export const REGISTRATION_STATUSES = ["unconfirmed", "pending", "approved", "rejected", "expired"] as const;

export interface Registration {
  id: string;
  username: string;
  name: string;
  email: string;
  notes: string;
  aupAcceptedAt: number;
  status: RegistrationStatus;
  emailConfirmedAt: number | null;
  accountId: string | null;
  decidedBy: string | null;
  reason: string | null;
  createdAt: number;
  decidedAt: number | null;
}

export interface RegistrationRow extends Registration {
  passwordHash: string | null;
  emailTokenHash: string | null;
  emailTokenExpiresAt: number;
  ip: string | null;
}

export interface RegistrationRepository {
  /** Throws ConflictError("username") when an open request holds the username. */
  create(row: RegistrationRow): Promise<void>;
  find(id: string): Promise<RegistrationRow | undefined>;
  findByEmailToken(tokenHash: string): Promise<RegistrationRow | undefined>;
  /** Newest first. */
  list(filter: { status?: RegistrationStatus; limit: number; before?: number }): Promise<Registration[]>;
  /** Unconfirmed requests for this username whose link expired stop holding the name. */
  expireUnconfirmed(username: string, now: number): Promise<void>;
  /**
   * Moves a request from one of `from` to a new state, atomically: false when it was no longer
   * in one of them (someone else decided first, or the link was used already).
   */
  transition(
    id: string,
    from: readonly RegistrationStatus[],
    changes: Partial<
      Pick<
        RegistrationRow,
        | "status"
        | "emailTokenHash"
        | "emailConfirmedAt"
        | "accountId"
        | "decidedBy"
        | "reason"
        | "decidedAt"
        | "passwordHash"
      >
    >,
  ): Promise<boolean>;
  /** Emails of active administrators, who are told of requests waiting for them. */
  administratorEmails(): Promise<string[]>;
}

export type RegistrationField = "username" | "name" | "email" | "notes" | "password" | "aup";

export interface RegistrationInput {
  username: string;
  name: string;
  email: string;
  notes: string;
  password: string;
  aupAccepted: boolean;
}

/** Lower-case letter or digit first, then letters, digits, `.`, `_`, `-`: 2 to 64 characters. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/;
// Deliberately loose (RFC 5322 is not worth matching): the emailed link is the real proof.
const EMAIL_PATTERN = /^[^@\s<>"]{1,64}@[^@\s<>"]{1,255}\.[^@\s<>".]{2,63}$|^[^@\s<>"]{1,64}@localhost$/;

/** Per-field problems with a sign-up, worded for the applicant; empty when the input is good. */
export function registrationProblems(input: RegistrationInput): Partial<Record<RegistrationField, string>> {
  const problems: Partial<Record<RegistrationField, string>> = {};
  if (!USERNAME_PATTERN.test(input.username))
    problems.username =
      "Use 2 to 64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.";
  const name = input.name.trim();
  if (name.length === 0 || name.length > 256 || /\p{Cc}/u.test(name))
    problems.name = "Enter your name (at most 256 characters).";
  if (input.email.length > 320 || !EMAIL_PATTERN.test(input.email))
    problems.email = "Enter a valid email address.";
  if (input.notes.length > 2000) problems.notes = "Keep the notes under 2000 characters.";
  if (input.password.length < PASSWORD_MIN_LENGTH)
    problems.password = `Choose a password of at least ${PASSWORD_MIN_LENGTH} characters.`;
  else if (input.password.length > PASSWORD_MAX_LENGTH) problems.password = "This password is too long.";
  if (!input.aupAccepted) problems.aup = "You must accept the acceptable use policy.";
  return problems;
}
