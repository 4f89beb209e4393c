import type { Clock } from "../clock.js";

export type AuditResult = "success" | "failure" | "locked" | "ok";

export interface AuditEvent {
  at: number;
  accountId: string | null;
  username: string | null;
  /** What happened: `login`, `logout`, … */
  event: string;
  /** How: `password`, `oidc:<provider>`, … */
  method: string | null;
  result: AuditResult;
  /** A stable reason code for failures (`bad_credentials`, `account_suspended`, …). Never a secret. */
  reason: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditRecord extends AuditEvent {
  id: number;
}

export interface AuditRepository {
  append(event: AuditEvent): Promise<void>;
  /** Newest first; `before` is the id cursor of the previous page. */
  list(filter: {
    accountId?: string;
    event?: string;
    before?: number;
    limit: number;
  }): Promise<AuditRecord[]>;
}

export function createAuditLog(deps: { audit: AuditRepository; clock: Clock }) {
  return {
    record(event: Omit<AuditEvent, "at">): Promise<void> {
      return deps.audit.append({ ...event, at: deps.clock.now() });
    },
    list: deps.audit.list.bind(deps.audit),
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
