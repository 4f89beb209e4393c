import { randomUUID } from "node:crypto";
import type { AccountRepository } from "../accounts/account.js";
import { hashPassword } from "../accounts/passwords.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors.js";
import { type Mailer, sendInBackground } from "../mail/mailer.js";
import { hashSecret, randomSecret } from "../secrets/random-secret.js";
import {
  type Registration,
  type RegistrationField,
  type RegistrationInput,
  type RegistrationRepository,
  type RegistrationRow,
  type RegistrationStatus,
  registrationProblems,
} from "./registration.js";

/** How long the email-verification link works. */
export const EMAIL_TOKEN_LIFETIME_MS = 24 * 3_600_000;

export type RequestOutcome =
  | { ok: true; registration: Registration }
  | { ok: false; problems: Partial<Record<RegistrationField, string>>; taken?: true };

export type ConfirmOutcome =
  | { ok: true; registration: Registration }
  | { ok: false; reason: "invalid" | "expired" };

/** Who acted: an administrator's account id and username, or null for the bootstrap token. */
export interface Actor {
  accountId: string | null;
  username: string | null;
}

const publicView = ({
  passwordHash: _p,
  emailTokenHash: _t,
  emailTokenExpiresAt: _e,
  ip: _i,
  ...registration
}: RegistrationRow): Registration => registration;

/**
 * Moderated sign-up, as INDIGO IAM does it: the applicant asks, proves their email address by
 * a link, administrators are told and approve (an active account is created) or reject with a
 * reason; the applicant is told either way. Nothing can sign in before approval: no account
 * exists until then. Every step is an audit event.
 */
export function createRegistrationService(deps: {
  registrations: RegistrationRepository;
  accounts: AccountRepository;
  audit: AuditLog;
  mailer: Mailer;
  clock: Clock;
  issuer: string;
  /** `closed`: nobody may sign up (the pages and the API say so). */
  mode: "moderated" | "closed";
}) {
  const { registrations, accounts, audit, mailer, clock, issuer } = deps;
  // The trail is about the applicant (who sees it as their history); the deciding administrator
  // is on the request itself (`decided_by`).
  const event = (
    name: string,
    r: Registration,
    actor: Actor | null,
    extra: { ip?: string | null; userAgent?: string | null; reason?: string | null } = {},
  ) =>
    audit.record({
      event: `registration.${name}`,
      accountId: r.accountId,
      username: r.username,
      method: actor ? "admin" : "signup",
      result: "success",
      reason: extra.reason ?? null,
      ip: extra.ip ?? null,
      userAgent: extra.userAgent ?? null,
    });

  async function get(id: string): Promise<RegistrationRow> {
    const found = await registrations.find(id);
    if (!found) throw new NotFoundError("registration request");
    return found;
  }

  return {
    mode: deps.mode,

    async request(
      input: RegistrationInput,
      context: { ip: string; userAgent: string },
    ): Promise<RequestOutcome> {
      const clean = {
        ...input,
        username: input.username.trim().toLowerCase(),
        email: input.email.trim(),
        name: input.name.trim(),
      };
      const problems = registrationProblems(clean);
      if (Object.keys(problems).length > 0) return { ok: false, problems };
      const now = clock.now();
      await registrations.expireUnconfirmed(clean.username, now);
      const taken = { ok: false, problems: { username: "This username is taken." }, taken: true } as const;
      if (await accounts.findByUsername(clean.username)) return taken;
      const token = randomSecret();
      const row: RegistrationRow = {
        id: randomUUID(),
        username: clean.username,
        name: clean.name,
        email: clean.email,
        notes: clean.notes.trim(),
        aupAcceptedAt: now,
        status: "unconfirmed",
        emailConfirmedAt: null,
        accountId: null,
        decidedBy: null,
        reason: null,
        createdAt: now,
        decidedAt: null,
        passwordHash: await hashPassword(clean.password),
        emailTokenHash: hashSecret(token),
        emailTokenExpiresAt: now + EMAIL_TOKEN_LIFETIME_MS,
        ip: context.ip,
      };
      try {
        await registrations.create(row);
      } catch (error) {
        if (error instanceof ConflictError) return taken;
        throw error;
      }
      const registration = publicView(row);
      await event("requested", registration, null, {
        ip: context.ip,
        userAgent: context.userAgent.slice(0, 512),
      });
      sendInBackground(mailer, {
        to: row.email,
        subject: "Confirm your email address",
        text: `Hello ${row.name},

someone (we hope you) asked for the account "${row.username}" at ${issuer}.
To confirm that this is your email address, open this link within 24 hours:

${issuer}/signup/verify?token=${token}

After that, an administrator will review your request and you will hear from us.
If you did not ask for an account, ignore this message.
`,
      });
      return { ok: true, registration };
    },

    /** Follows the emailed link: the request then waits for an administrator, who is told. */
    async confirmEmail(token: string): Promise<ConfirmOutcome> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: "invalid" };
      const row = await registrations.findByEmailToken(hashSecret(token));
      if (row?.status !== "unconfirmed") return { ok: false, reason: "invalid" };
      const now = clock.now();
      if (row.emailTokenExpiresAt <= now) return { ok: false, reason: "expired" };
      const moved = await registrations.transition(row.id, ["unconfirmed"], {
        status: "pending",
        emailTokenHash: null,
        emailConfirmedAt: now,
      });
      if (!moved) return { ok: false, reason: "invalid" };
      const registration = { ...publicView(row), status: "pending" as const, emailConfirmedAt: now };
      await event("email_confirmed", registration, null);
      for (const to of await registrations.administratorEmails()) {
        sendInBackground(mailer, {
          to,
          subject: `Registration request from ${row.username}`,
          text: `A registration request is waiting for a decision.

Username: ${row.username}
Name: ${row.name}
Email (confirmed): ${row.email}
Notes: ${row.notes || "(none)"}

Approve or reject it: POST ${issuer}/api/v1/registrations/${row.id}/approve or /reject
(list waiting requests: GET ${issuer}/api/v1/registrations?status=pending).
`,
        });
      }
      return { ok: true, registration };
    },

    async list(filter: {
      status?: RegistrationStatus;
      limit: number;
      before?: number;
    }): Promise<Registration[]> {
      return registrations.list(filter);
    },

    find: async (id: string): Promise<Registration> => publicView(await get(id)),

    /** Creates the account (active, with the chosen password) and tells the applicant. */
    async approve(id: string, actor: Actor): Promise<Registration> {
      const row = await get(id);
      if (row.status !== "pending")
        throw new InvalidInputError(
          "not_pending",
          row.status === "unconfirmed"
            ? "the applicant has not confirmed their email address yet"
            : `the request is ${row.status}, not pending`,
        );
      const now = clock.now();
      const accountId = randomUUID();
      // Claimed first, so two administrators approving at once create one account.
      const claimed = await registrations.transition(id, ["pending"], {
        status: "approved",
        accountId,
        decidedBy: actor.accountId,
        decidedAt: now,
        passwordHash: null,
      });
      if (!claimed) throw new InvalidInputError("not_pending", "the request was decided already");
      try {
        await accounts.create({
          id: accountId,
          username: row.username,
          name: row.name,
          email: row.email,
          status: "active",
          isAdmin: false,
          passwordHash: row.passwordHash,
          createdAt: now,
          updatedAt: now,
        });
      } catch (error) {
        await registrations.transition(id, ["approved"], {
          status: "pending",
          accountId: null,
          decidedBy: null,
          decidedAt: null,
          passwordHash: row.passwordHash,
        });
        throw error instanceof ConflictError ? new ConflictError("username") : error;
      }
      const registration: Registration = {
        ...publicView(row),
        status: "approved",
        accountId,
        decidedBy: actor.accountId,
        decidedAt: now,
      };
      await event("approved", registration, actor, { reason: null });
      sendInBackground(mailer, {
        to: row.email,
        subject: "Your account has been approved",
        text: `Hello ${row.name},

your registration request has been approved. Sign in as "${row.username}" at:

${issuer}/login
`,
      });
      return registration;
    },

    /** Rejects a request (waiting for an administrator, or still unconfirmed) and tells the applicant why. */
    async reject(id: string, actor: Actor, reason: string): Promise<Registration> {
      const text = reason.trim();
      if (text.length === 0) throw new InvalidInputError("reason_required", "give the applicant a reason");
      const row = await get(id);
      const now = clock.now();
      const rejected = await registrations.transition(id, ["unconfirmed", "pending"], {
        status: "rejected",
        emailTokenHash: null,
        decidedBy: actor.accountId,
        decidedAt: now,
        reason: text,
        passwordHash: null,
      });
      if (!rejected) throw new InvalidInputError("not_pending", `the request is ${row.status}, not pending`);
      const registration: Registration = {
        ...publicView(row),
        status: "rejected",
        decidedBy: actor.accountId,
        decidedAt: now,
        reason: text,
      };
      await event("rejected", registration, actor, { reason: "rejected_by_administrator" });
      sendInBackground(mailer, {
        to: row.email,
        subject: "Your registration request was not approved",
        text: `Hello ${row.name},

your request for the account "${row.username}" at ${issuer} was not approved.
The administrator gave this reason:

${text}
`,
      });
      return registration;
    },
  };
}

export type RegistrationService = ReturnType<typeof createRegistrationService>;
