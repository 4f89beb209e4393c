import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AccountService } from "../../domain/accounts/account-service.js";
import type { CodeOutcome, TotpService } from "../../domain/totp/totp-service.js";
import { HttpError } from "../errors.js";
import { qrCodeDataUri } from "../totp-qr.js";
import type { ApiCallers } from "./api-caller.js";
import { IdParams } from "./api-schemas.js";

const CodeBody = Type.Object(
  {
    code: Type.String({
      minLength: 1,
      maxLength: 64,
      description: "A 6-digit code, or (except to confirm) a recovery code",
    }),
  },
  { additionalProperties: false },
);
type CodeBody = Static<typeof CodeBody>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A refused code as problem JSON: 400 wrong or reused, 409 nothing to check against, 429 throttled. */
function refuse(reply: FastifyReply, outcome: Exclude<CodeOutcome, { ok: true }>): never {
  if (outcome.reason === "locked") {
    reply.header("retry-after", String(outcome.retryAfter));
    throw new HttpError(
      429,
      "locked",
      `too many failed attempts; try again in ${outcome.retryAfter} seconds`,
    );
  }
  if (outcome.reason === "not_enrolled")
    throw new HttpError(409, "not_enrolled", "there is no TOTP enrolment in this state for the account");
  throw new HttpError(
    400,
    outcome.reason === "reused_code" ? "reused_code" : "invalid_code",
    outcome.reason === "reused_code"
      ? "this code was already used; wait for the next one"
      : "the code is not valid",
  );
}

/**
 * TOTP second factor over the REST API: the caller's own enrolment (browser session with
 * X-CSRF-Token, or the user's bearer token) and an administrator's reset of a lost device.
 * Recovery codes are returned once, when made; only their hashes are kept.
 */
export function totpApi(
  app: FastifyInstance,
  deps: { callers: ApiCallers; totp: TotpService; accounts: AccountService },
): void {
  const { callers, totp } = deps;
  const tags = ["me"];
  const self = async (request: FastifyRequest) => {
    const caller = await callers.identify(request);
    if (!caller.account) throw new HttpError(403, "forbidden", "this call is about the caller's own account");
    return caller.account;
  };
  const context = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: request.headers["user-agent"] ?? "",
  });

  app.get(
    "/me/totp",
    { schema: { tags, summary: "My TOTP second factor: enabled, recovery codes left" } },
    async (request) => {
      const account = await self(request);
      const status = await totp.status(account.id);
      return {
        enabled: status.enabled,
        pending: status.pending,
        required: totp.required(account),
        enabled_at: iso(status.enabledAt),
        recovery_codes_left: status.recoveryCodesLeft,
      };
    },
  );

  app.post(
    "/me/totp",
    { schema: { tags, summary: "Start a TOTP enrolment: a new secret, not enabled until confirmed" } },
    async (request, reply) => {
      const account = await self(request);
      const enrolment = await totp.start(account);
      if (!enrolment)
        throw new HttpError(409, "already_enabled", "TOTP is already enabled; disable it first");
      return reply.code(201).send({
        enabled: false,
        secret: enrolment.secret,
        otpauth_uri: enrolment.uri,
        qr_code: qrCodeDataUri(enrolment.uri),
      });
    },
  );

  app.post<{ Body: CodeBody }>(
    "/me/totp/confirm",
    {
      schema: {
        tags,
        summary: "Enable TOTP with a code from the new device; returns the recovery codes once",
        body: CodeBody,
      },
    },
    async (request, reply) => {
      const account = await self(request);
      const outcome = await totp.confirm(account, request.body.code, context(request));
      if (!outcome.ok) return refuse(reply, outcome);
      return { enabled: true, recovery_codes: outcome.recoveryCodes };
    },
  );

  app.delete<{ Body: CodeBody }>(
    "/me/totp",
    {
      schema: { tags, summary: "Disable TOTP, proved by a current code or a recovery code", body: CodeBody },
    },
    async (request, reply) => {
      const account = await self(request);
      const outcome = await totp.disable(account, request.body.code, context(request));
      if (!outcome.ok) return refuse(reply, outcome);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: CodeBody }>(
    "/me/totp/recovery-codes",
    {
      schema: {
        tags,
        summary: "Replace the recovery codes (the old ones stop working); returns them once",
        body: CodeBody,
      },
    },
    async (request, reply) => {
      const account = await self(request);
      const outcome = await totp.regenerateRecoveryCodes(account, request.body.code, context(request));
      if (!outcome.ok) return refuse(reply, outcome);
      return { recovery_codes: outcome.recoveryCodes };
    },
  );

  app.delete<{ Params: IdParams }>(
    "/accounts/:id/totp",
    {
      schema: {
        tags: ["accounts"],
        summary: "Remove an account's TOTP (a lost device); audited",
        params: IdParams,
      },
    },
    async (request, reply) => {
      const caller = await callers.administrator(request);
      const account = await deps.accounts.findById(request.params.id);
      if (!account) throw new HttpError(404, "not_found", "no such account");
      if (!(await totp.reset(account, { accountId: caller.account?.id ?? null })))
        throw new HttpError(404, "not_found", "the account has no TOTP second factor");
      return reply.code(204).send();
    },
  );
}
