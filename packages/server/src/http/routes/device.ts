import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Client } from "../../domain/clients/client.js";
import type { ClientService } from "../../domain/clients/client-service.js";
import type { Clock } from "../../domain/clock.js";
import type {
  DeviceAuthorization,
  DeviceAuthorizationRepository,
} from "../../domain/grants/device-authorization.js";
import type { LoginThrottle } from "../../domain/login/login-throttle.js";
import { normaliseUserCode } from "../../protocol/user-code.js";
import type { Csrf } from "../csrf.js";
import { deviceCodeEntryPage, deviceConsentPage } from "../pages/device-page.js";
import { messagePage } from "../pages/message-page.js";
import type { SessionContext } from "../session-context.js";

/**
 * The page where a signed-in user confirms a device (RFC 8628 §3.3). Wrong codes count against
 * the user like failed logins (§5.1: user codes must not be guessable by brute force).
 */
export function deviceRoutes(
  app: FastifyInstance,
  deps: {
    csrf: Csrf;
    session: SessionContext;
    clients: ClientService;
    devices: DeviceAuthorizationRepository;
    throttle: LoginThrottle;
    clock: Clock;
  },
): void {
  const { csrf, session, devices, throttle } = deps;
  const page = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").send(body);
  const throttleKey = (accountId: string) => `device-user:${accountId}`;

  type Lookup = { error: string; status: number } | { authorization: DeviceAuthorization; client: Client };

  async function pending(request: FastifyRequest, accountId: string, raw: unknown): Promise<Lookup> {
    const wait = await throttle.retryAfter([throttleKey(accountId)]);
    if (wait > 0) return { error: `Too many wrong codes. Try again in ${wait} seconds.`, status: 429 };
    const userCode = typeof raw === "string" ? normaliseUserCode(raw) : null;
    const found = userCode ? await devices.findByUserCode(userCode) : undefined;
    if (found?.status !== "pending" || deps.clock.now() >= found.expiresAt) {
      await throttle.recordFailure([throttleKey(accountId)]);
      request.log.info({ account: accountId }, "device code not found or no longer pending");
      return {
        error: "That code is not valid or has expired. Check it and try again.",
        status: 400,
      };
    }
    const client = await deps.clients.find(found.clientId);
    if (!client) return { error: "That code is not valid or has expired.", status: 400 };
    return { authorization: found, client };
  }

  app.get<{ Querystring: { user_code?: string } }>("/device", async (request, reply) => {
    const account = await session.account(request);
    if (!account) {
      const rd = request.query.user_code
        ? `/device?user_code=${encodeURIComponent(request.query.user_code)}`
        : "/device";
      return reply.redirect(`/login?rd=${encodeURIComponent(rd)}`, 303);
    }
    if (request.query.user_code === undefined) return page(reply, 200, deviceCodeEntryPage());
    const found = await pending(request, account.id, request.query.user_code);
    if ("error" in found)
      return page(
        reply,
        found.status,
        deviceCodeEntryPage(found.error, String(request.query.user_code).slice(0, 32)),
      );
    const shown = found.authorization.userCode;
    return page(
      reply,
      200,
      deviceConsentPage({
        csrfToken: csrf.token(request, reply),
        userCode: `${shown.slice(0, 4)}-${shown.slice(4)}`,
        client: found.client,
        scope: found.authorization.scope,
        audiences: found.authorization.audiences,
      }),
    );
  });

  app.post<{ Body: { csrf_token?: unknown; user_code?: unknown; decision?: unknown } | undefined }>(
    "/device",
    async (request, reply) => {
      const account = await session.account(request);
      if (!account) return reply.redirect("/login?rd=%2Fdevice", 303);
      const form = request.body ?? {};
      if (!csrf.verify(request, form.csrf_token)) {
        return page(
          reply,
          403,
          messagePage("Connect a device", "This form has expired. Please enter the code again.", {
            href: "/device",
            text: "Enter the code",
          }),
        );
      }
      if (form.decision !== "approve" && form.decision !== "deny") {
        return page(reply, 400, deviceCodeEntryPage("Choose Approve or Deny."));
      }
      const found = await pending(request, account.id, form.user_code);
      if ("error" in found) return page(reply, found.status, deviceCodeEntryPage(found.error));
      const decided = await devices.decide(found.authorization.userCode, {
        status: form.decision === "approve" ? "approved" : "denied",
        accountId: account.id,
        authTime: deps.clock.now(),
      });
      if (!decided) return page(reply, 400, deviceCodeEntryPage("That code has already been used."));
      return page(
        reply,
        200,
        form.decision === "approve"
          ? messagePage(
              "Device approved",
              `${found.client.clientName} is now signed in. You can close this page and return to your device.`,
            )
          : messagePage("Device denied", `The request from ${found.client.clientName} was denied.`),
      );
    },
  );
}
