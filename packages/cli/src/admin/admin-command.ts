import { readFile } from "node:fs/promises";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { CliContext } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { splitScopes } from "../token-response.js";
import { ADMIN_LOGIN_HINT, ADMIN_SCOPES, type AdminApi, type Json } from "./admin-api.js";
import { openAdminApi } from "./admin-session.js";
import { groupPaths, resolveGroup, resolveUser, usernamesFor } from "./resolve.js";
import { type Column, formatRecord, formatTable, writeJson } from "./table.js";

/** Options every `tessera admin` command takes. */
interface CommonOptions {
  issuer?: string;
  token?: string;
  account?: string;
  json?: boolean;
  limit?: number;
  all?: boolean;
}

interface Run {
  ctx: CliContext;
  api: AdminApi;
  opts: CommonOptions & Record<string, unknown>;
  args: unknown[];
}

const seg = (value: unknown) => encodeURIComponent(String(value));
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number above 0");
  return n;
}

function days(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3650)
    throw new InvalidArgumentError("expected a whole number of days, 0 to 3650");
  return n;
}

/** An ISO 8601 date or date-time (a bare date is midnight UTC), or `never`; as the API's JSON. */
export function endDate(value: string): string | null {
  if (value.toLowerCase() === "never") return null;
  const ms = /^\d{4}-\d\d-\d\d(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?$/.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new CliError(
      `"${value}" is not a date: use YYYY-MM-DD, an ISO 8601 date-time, or never`,
      EXIT.usage,
    );
  }
  return new Date(ms).toISOString();
}

const GRANT_ALIASES: Record<string, string> = {
  device_code: "urn:ietf:params:oauth:grant-type:device_code",
  "device-code": "urn:ietf:params:oauth:grant-type:device_code",
  token_exchange: "urn:ietf:params:oauth:grant-type:token-exchange",
  "token-exchange": "urn:ietf:params:oauth:grant-type:token-exchange",
};

const EXIT_CODES = `Exit codes:
  0  success
  1  failure: not found, refused by the server (the reason is printed), server unreachable
  2  usage: a missing or malformed argument or option
  3  authentication: no token, a bad or expired token, missing ${ADMIN_SCOPES} scopes, not an administrator`;

const AUTH_HELP = `Authentication (the REST API at <issuer>/api/v1):
  --token T, else $TESSERA_ADMIN_TOKEN (e.g. the server's TESSERA_BOOTSTRAP_TOKEN), else the
  cached account's access token, refreshed as \`tessera token\` does. That token must belong to an
  administrator and carry the scopes ${ADMIN_SCOPES}:
    ${ADMIN_LOGIN_HINT}
  Issuer: --issuer, else $TESSERA_ISSUER, else the account's.`;

/**
 * `tessera admin …`: users, registrations, groups, clients, scope policies, signing keys, the
 * audit trail and the AUP, through the REST API. Tables by default, `--json` for the API's JSON.
 */
export function addAdminCommands(program: Command, ctx: CliContext, result: { code: number }): void {
  const admin: Command = program
    .command("admin")
    .description("administer a Tessera server through its REST API (an administrator's token)")
    .addHelpText(
      "after",
      (): string => `\nAll admin commands:\n${synopsis(admin)}\n${AUTH_HELP}\n\n${EXIT_CODES}\n`,
    );

  /** A leaf command with the common options and an action that receives the opened API. */
  const leaf = (parent: Command, name: string, description: string, options: { list?: boolean } = {}) => {
    const command = parent
      .command(name)
      .description(description)
      .option("--issuer <url>", "the Tessera server (default: $TESSERA_ISSUER or the account's issuer)")
      .option(
        "--token <token>",
        "administrator bearer token (default: $TESSERA_ADMIN_TOKEN, else the account's)",
      )
      .option("--account <name>", "cached account whose access token to use")
      .option("--json", "print the API's JSON instead of a table");
    if (options.list) {
      command
        .option("--limit <n>", "at most this many items (default 50)", positiveInteger)
        .option("--all", "every item, following the pages");
    }
    return command;
  };
  const act = (command: Command, body: (run: Run) => Promise<number | undefined>) => {
    command.action(async (...received: unknown[]) => {
      const self = received[received.length - 1] as Command;
      const opts = self.opts() as Run["opts"];
      const api = await openAdminApi(ctx, opts);
      result.code = (await body({ ctx, api, opts, args: self.processedArgs })) ?? EXIT.ok;
    });
    return command;
  };
  const out = (text: string) => ctx.stdout.write(text);
  const note = (text: string) => ctx.stderr.write(`${text}\n`);

  /** Prints a list: JSON (`{ items, next? }`) or a table, with a note when there are more. */
  const showList = async <T extends Json>(
    run: Run,
    path: string,
    columns: Column<T>[],
    options: {
      query?: Record<string, string | number | undefined>;
      cursor?: "after" | "before";
      noun: string;
    },
    prepare?: (items: T[]) => Promise<void>,
  ) => {
    const { items, truncated, next } = await run.api.list(path, {
      ...(options.query ? { query: options.query } : {}),
      ...(run.opts.limit === undefined ? {} : { limit: run.opts.limit }),
      ...(run.opts.all ? { all: true } : {}),
      ...(options.cursor ? { cursor: options.cursor } : {}),
    });
    if (run.opts.json) {
      writeJson(ctx.stdout, { items, ...(next === undefined ? {} : { next }) });
      return EXIT.ok;
    }
    await prepare?.(items as T[]);
    out(formatTable(columns, items as T[]));
    if (items.length === 0) note(`No ${options.noun}.`);
    if (truncated) note(`(more ${options.noun}: use --all, or a larger --limit)`);
    return EXIT.ok;
  };
  /** Prints one object: JSON, or `Label: value` lines. */
  const showRecord = (run: Run, json: Json | null, pairs: () => [string, unknown][]) => {
    if (run.opts.json) writeJson(ctx.stdout, json ?? {});
    else out(formatRecord(pairs()));
    return EXIT.ok;
  };
  /** Reports a change: the API's JSON, or one line. */
  const done = (run: Run, json: Json | null, line: string) => {
    if (run.opts.json) writeJson(ctx.stdout, json ?? {});
    else out(`${line}\n`);
    return EXIT.ok;
  };

  // ---- users -------------------------------------------------------------------------------
  const users = admin
    .command("users")
    .description("accounts: list, show, create, suspend, expire, admin role");
  const userColumns: Column<Json>[] = [
    ["USERNAME", (a) => a.username],
    ["NAME", (a) => a.name],
    ["EMAIL", (a) => a.email],
    ["STATUS", (a) => a.status],
    ["ADMIN", (a) => a.is_admin],
    ["ENDS", (a) => a.ends_at],
    ["ID", (a) => a.id],
  ];
  const userRecord = (a: Json): [string, unknown][] => [
    ["Username", a.username],
    ["Name", a.name],
    ["Email", a.email],
    ["Status", a.status],
    ["Administrator", a.is_admin],
    ["Ends", a.ends_at ?? "never"],
    ["Created", a.created_at],
    ["Updated", a.updated_at],
    ["ID", a.id],
  ];
  act(leaf(users, "list", "list accounts (by username)", { list: true }), (run) =>
    showList(run, "/accounts", userColumns, { cursor: "after", noun: "users" }),
  );
  act(leaf(users, "show", "show one account").argument("<user>", "username or account id"), async (run) => {
    const account = await resolveUser(run.api, String(run.args[0]));
    const fresh = await run.api.get(`/accounts/${seg(account.id)}`);
    return showRecord(run, fresh, () => userRecord(fresh));
  });
  act(
    leaf(users, "create", "create an account (active; it signs in through a linked identity or a password)")
      .requiredOption("--username <username>", "lower-case letters, digits, '.', '_' and '-'")
      .requiredOption("--name <name>", "full name")
      .requiredOption("--email <email>", "email address")
      .option("--admin", "make the account an administrator")
      .option("--password-stdin", "read an initial password (12 characters or more) from standard input")
      .option("--until <date>", "the account ends on this date (YYYY-MM-DD or ISO 8601)"),
    async (run) => {
      const body: Json = { username: run.opts.username, name: run.opts.name, email: run.opts.email };
      if (run.opts.admin) body.is_admin = true;
      if (run.opts.until) body.ends_at = endDate(String(run.opts.until));
      if (run.opts.passwordStdin) body.password = (await ctx.readStdin()).replace(/\r?\n$/, "");
      const created = await run.api.send("POST", "/accounts", body);
      return done(run, created, `Created user ${created?.username} (${created?.id}).`);
    },
  );
  const patchUser = (name: string, description: string, change: Json, past: string) =>
    act(leaf(users, name, description).argument("<user>", "username or account id"), async (run) => {
      const account = await resolveUser(run.api, String(run.args[0]));
      const updated = await run.api.send("PATCH", `/accounts/${seg(account.id)}`, change);
      return done(run, updated, `${past} ${account.username}.`);
    });
  patchUser(
    "suspend",
    "suspend an account (its sessions and refresh tokens end)",
    { status: "suspended" },
    "Suspended",
  );
  patchUser("activate", "activate a suspended or pending account", { status: "active" }, "Activated");
  patchUser(
    "grant-admin",
    "give an account the administrator role",
    { is_admin: true },
    "Granted the administrator role to",
  );
  patchUser(
    "revoke-admin",
    "take the administrator role away",
    { is_admin: false },
    "Revoked the administrator role of",
  );
  act(
    leaf(users, "expire", "set the date an account ends, or `never`")
      .argument("<user>", "username or account id")
      .argument("<date>", "YYYY-MM-DD, an ISO 8601 date-time, or never"),
    async (run) => {
      const ends = endDate(String(run.args[1]));
      const account = await resolveUser(run.api, String(run.args[0]));
      const updated = await run.api.send("PATCH", `/accounts/${seg(account.id)}`, { ends_at: ends });
      return done(
        run,
        updated,
        ends === null ? `${account.username} no longer ends.` : `${account.username} ends at ${ends}.`,
      );
    },
  );

  // ---- registrations ----------------------------------------------------------------------
  const registrations = admin.command("registrations").description("sign-up requests: list, approve, reject");
  act(
    leaf(registrations, "list", "list sign-up requests, newest first", { list: true }).addOption(
      new Option("--status <status>", "only these").choices([
        "unconfirmed",
        "pending",
        "approved",
        "rejected",
        "expired",
      ]),
    ),
    (run) =>
      showList(
        run,
        "/registrations",
        [
          ["ID", (r) => r.id],
          ["USERNAME", (r) => r.username],
          ["NAME", (r) => r.name],
          ["EMAIL", (r) => r.email],
          ["STATUS", (r) => r.status],
          ["CREATED", (r) => r.created_at],
          ["NOTES", (r) => r.notes],
        ],
        { query: { status: run.opts.status as string | undefined }, cursor: "before", noun: "registrations" },
      ),
  );
  act(
    leaf(registrations, "approve", "approve a sign-up request (creates the account)").argument("<id>"),
    async (run) => {
      const r = await run.api.send("POST", `/registrations/${seg(run.args[0])}/approve`);
      return done(run, r, `Approved ${r?.username}: account ${r?.account_id ?? "pending"}.`);
    },
  );
  act(
    leaf(registrations, "reject", "reject a sign-up request")
      .argument("<id>")
      .requiredOption("--reason <text>", "told to the applicant"),
    async (run) => {
      const r = await run.api.send("POST", `/registrations/${seg(run.args[0])}/reject`, {
        reason: run.opts.reason,
      });
      return done(run, r, `Rejected ${r?.username}.`);
    },
  );

  // ---- groups -----------------------------------------------------------------------------
  const groups = admin
    .command("groups")
    .description("groups, members and membership requests (groups are named by path, e.g. /cms/uscms)");
  act(leaf(groups, "list", "list groups (by path)", { list: true }), (run) =>
    showList(
      run,
      "/groups",
      [
        ["PATH", (g) => g.name],
        ["OPTIONAL", (g) => g.optional],
        ["DESCRIPTION", (g) => g.description],
        ["ID", (g) => g.id],
      ],
      { cursor: "after", noun: "groups" },
    ),
  );
  act(
    leaf(groups, "create", "create a group; its parent must exist")
      .argument("<path>", "e.g. /cms/uscms")
      .option("--optional", "members get it only when they ask for wlcg.groups:<path>")
      .option("--description <text>", "what the group is for"),
    async (run) => {
      const body: Json = { name: run.args[0] };
      if (run.opts.optional) body.optional = true;
      if (run.opts.description !== undefined) body.description = run.opts.description;
      const g = await run.api.send("POST", "/groups", body);
      return done(run, g, `Created group ${g?.name} (${g?.id}).`);
    },
  );
  act(leaf(groups, "delete", "delete a group").argument("<path>", "group path or id"), async (run) => {
    const g = await resolveGroup(run.api, String(run.args[0]));
    await run.api.send("DELETE", `/groups/${seg(g.id)}`);
    return done(run, { deleted: g.id }, `Deleted group ${g.name}.`);
  });
  act(
    leaf(groups, "members", "list a group's members", { list: true }).argument("<path>", "group path or id"),
    async (run) => {
      const g = await resolveGroup(run.api, String(run.args[0]));
      return showList(
        run,
        `/groups/${seg(g.id)}/members`,
        [
          ["USERNAME", (m) => m.username ?? m.account_id],
          ["MANAGER", (m) => m.manager],
          ["UNTIL", (m) => m.ends_at],
          ["SINCE", (m) => m.created_at],
          ["ACCOUNT ID", (m) => m.account_id],
        ],
        { cursor: "after", noun: "members" },
      );
    },
  );
  act(
    leaf(groups, "add", "add a member, or change a membership")
      .argument("<path>", "group path or id")
      .argument("<user>", "username or account id")
      .option("--manager", "the member manages the group")
      .option("--until <date>", "membership ends on this date (YYYY-MM-DD, ISO 8601 or never)"),
    async (run) => {
      const until = run.opts.until === undefined ? undefined : endDate(String(run.opts.until));
      const g = await resolveGroup(run.api, String(run.args[0]));
      const a = await resolveUser(run.api, String(run.args[1]));
      const body: Json = {};
      if (run.opts.manager) body.manager = true;
      if (until !== undefined) body.ends_at = until;
      const m = await run.api.send("PUT", `/groups/${seg(g.id)}/members/${seg(a.id)}`, body);
      return done(
        run,
        m,
        `${a.username} is ${m?.manager ? "a manager" : "a member"} of ${g.name}${m?.ends_at ? ` until ${m.ends_at}` : ""}.`,
      );
    },
  );
  act(
    leaf(groups, "remove", "remove a member")
      .argument("<path>", "group path or id")
      .argument("<user>", "username or account id"),
    async (run) => {
      const g = await resolveGroup(run.api, String(run.args[0]));
      const a = await resolveUser(run.api, String(run.args[1]));
      await run.api.send("DELETE", `/groups/${seg(g.id)}/members/${seg(a.id)}`);
      return done(run, { removed: a.id, group: g.id }, `Removed ${a.username} from ${g.name}.`);
    },
  );
  act(
    leaf(groups, "requests", "list membership requests for a group", { list: true })
      .argument("<path>", "group path or id")
      .addOption(
        new Option("--status <status>", "only these").choices([
          "pending",
          "approved",
          "rejected",
          "withdrawn",
        ]),
      ),
    async (run) => {
      const g = await resolveGroup(run.api, String(run.args[0]));
      let names = new Map<string, string>();
      return showList(
        run,
        `/groups/${seg(g.id)}/requests`,
        [
          ["ID", (r) => r.id],
          ["USER", (r) => names.get(String(r.account_id)) ?? r.account_id],
          ["STATUS", (r) => r.status],
          ["CREATED", (r) => r.created_at],
          ["MOTIVATION", (r) => r.motivation],
        ],
        { query: { status: run.opts.status as string | undefined }, noun: "requests" },
        async (items) => {
          names = await usernamesFor(
            run.api,
            items.map((r) => r.account_id),
          );
        },
      );
    },
  );
  act(
    leaf(
      groups,
      "approve-request",
      "approve a membership request (needs an account's token, not the bootstrap token)",
    ).argument("<id>", "request id"),
    async (run) => {
      const r = await run.api.send("POST", `/group-requests/${seg(run.args[0])}/approve`, {});
      return done(run, r, `Approved request ${r?.id}.`);
    },
  );
  act(
    leaf(
      groups,
      "reject-request",
      "reject a membership request (needs an account's token, not the bootstrap token)",
    )
      .argument("<id>", "request id")
      .requiredOption("--reason <text>", "told to the requester"),
    async (run) => {
      const r = await run.api.send("POST", `/group-requests/${seg(run.args[0])}/reject`, {
        reason: run.opts.reason,
      });
      return done(run, r, `Rejected request ${r?.id}.`);
    },
  );

  // ---- clients ----------------------------------------------------------------------------
  const clients = admin
    .command("clients")
    .description("OAuth clients: list, show, create, delete, rotate the secret");
  const clientRecord = (c: Json): [string, unknown][] => [
    ["Client ID", c.client_id],
    ["Name", c.client_name],
    ["Grants", c.grant_types],
    ["Authentication", c.token_endpoint_auth_method],
    ["Scope", c.scope],
    ["Redirect URIs", c.redirect_uris],
    ["Audiences", c.audiences],
    ["Access token lifetime", c.access_token_lifetime ?? "default"],
    ["Refresh token lifetime", c.refresh_token_lifetime ?? "default"],
    ["Created", c.created_at],
    ["Updated", c.updated_at],
  ];
  const showSecret = (line: string, secret: unknown) => {
    out(
      `${line}\n\nClient secret (shown only this once; store it now, it cannot be read again, only rotated):\n\n    ${String(secret)}\n\n`,
    );
  };
  act(leaf(clients, "list", "list clients", { list: true }), (run) =>
    showList(
      run,
      "/clients",
      [
        ["CLIENT ID", (c) => c.client_id],
        ["NAME", (c) => c.client_name],
        ["AUTH", (c) => c.token_endpoint_auth_method],
        ["GRANTS", (c) => c.grant_types],
        ["SCOPE", (c) => c.scope],
      ],
      { cursor: "after", noun: "clients" },
    ),
  );
  act(leaf(clients, "show", "show one client").argument("<id>", "client id"), async (run) => {
    const c = await run.api.get(`/clients/${seg(run.args[0])}`);
    return showRecord(run, c, () => clientRecord(c));
  });
  act(
    leaf(clients, "create", "create a client; a confidential one's secret is printed once")
      .requiredOption("--name <name>", "client name")
      .requiredOption(
        "--grant <type>",
        "grant type (repeatable): authorization_code, refresh_token, client_credentials, device_code, token_exchange, password",
        collect,
      )
      .requiredOption(
        "--scope <scope>",
        "scope the client may ask for (repeatable, or space-separated)",
        collect,
      )
      .option("--redirect-uri <uri>", "redirect URI (repeatable; needed for authorization_code)", collect)
      .option("--audience <aud>", "audience its tokens may carry (repeatable)", collect)
      .option("--public", "a public client (no secret; PKCE for authorization_code)")
      .option("--client-id <id>", "choose the client id (default: generated)"),
    async (run) => {
      const grants = (run.opts.grant as string[]).map((g) => GRANT_ALIASES[g] ?? g);
      const body: Json = {
        client_name: run.opts.name,
        grant_types: grants,
        scope: splitScopes(run.opts.scope as string[]).join(" "),
        token_endpoint_auth_method: run.opts.public ? "none" : "client_secret_basic",
      };
      if (run.opts.redirectUri) body.redirect_uris = run.opts.redirectUri;
      if (run.opts.audience) body.audiences = run.opts.audience;
      if (run.opts.clientId) body.client_id = run.opts.clientId;
      const c = await run.api.send("POST", "/clients", body);
      if (run.opts.json) return done(run, c, "");
      const line = `Created client ${c?.client_id} (${c?.client_name}).`;
      if (typeof c?.client_secret === "string") showSecret(line, c.client_secret);
      else out(`${line}\n`);
      return EXIT.ok;
    },
  );
  act(
    leaf(clients, "delete", "delete a client (its refresh tokens go with it)").argument("<id>", "client id"),
    async (run) => {
      await run.api.send("DELETE", `/clients/${seg(run.args[0])}`);
      return done(run, { deleted: run.args[0] }, `Deleted client ${run.args[0]}.`);
    },
  );
  act(
    leaf(
      clients,
      "rotate-secret",
      "give a confidential client a new secret (the old one stops working)",
    ).argument("<id>", "client id"),
    async (run) => {
      const r = await run.api.send("POST", `/clients/${seg(run.args[0])}/secret`);
      if (run.opts.json) return done(run, r, "");
      showSecret(`New secret for client ${run.args[0]}; the old one no longer works.`, r?.client_secret);
      return EXIT.ok;
    },
  );

  // ---- policies ---------------------------------------------------------------------------
  const policies = admin
    .command("policies")
    .description("scope policies: which scopes a user or group may obtain (unmatched scopes are permitted)");
  act(leaf(policies, "list", "list scope policies", { list: true }), async (run) => {
    let users = new Map<string, string>();
    let paths = new Map<string, string>();
    return showList(
      run,
      "/policies",
      [
        ["ID", (p) => p.id],
        ["RULE", (p) => p.rule],
        ["LEVEL", (p) => p.level],
        [
          "APPLIES TO",
          (p) =>
            p.group_id
              ? `group ${paths.get(String(p.group_id)) ?? p.group_id}`
              : p.account_id
                ? `user ${users.get(String(p.account_id)) ?? p.account_id}`
                : "everyone",
        ],
        ["MATCHING", (p) => p.matching],
        ["SCOPES", (p) => p.scopes],
        ["DESCRIPTION", (p) => p.description],
      ],
      { noun: "policies" },
      async (items) => {
        users = await usernamesFor(
          run.api,
          items.map((p) => p.account_id),
        );
        if (items.some((p) => p.group_id)) paths = await groupPaths(run.api);
      },
    );
  });
  act(
    leaf(policies, "create", "add a scope policy")
      .addOption(
        new Option("--rule <rule>", "permit or deny").choices(["permit", "deny"]).makeOptionMandatory(),
      )
      .requiredOption("--scope <scope>", "scope it is about (repeatable, or space-separated)", collect)
      .addOption(new Option("--group <path>", "applies to this group's members").conflicts("user"))
      .addOption(new Option("--user <user>", "applies to this user").conflicts("group"))
      .addOption(
        new Option("--matching <how>", "how scopes match: exact, path (storage paths below), regex")
          .choices(["exact", "path", "regex"])
          .default("exact"),
      )
      .option("--description <text>", "why the policy exists"),
    async (run) => {
      const body: Json = {
        rule: run.opts.rule,
        scopes: splitScopes(run.opts.scope as string[]),
        matching: run.opts.matching,
      };
      if (run.opts.description !== undefined) body.description = run.opts.description;
      if (run.opts.group) body.group_id = (await resolveGroup(run.api, String(run.opts.group))).id;
      if (run.opts.user) body.account_id = (await resolveUser(run.api, String(run.opts.user))).id;
      const p = await run.api.send("POST", "/policies", body);
      return done(
        run,
        p,
        `Created policy ${p?.id}: ${p?.rule} ${(p?.scopes as string[] | undefined)?.join(" ")}.`,
      );
    },
  );
  act(leaf(policies, "delete", "delete a scope policy").argument("<id>", "policy id"), async (run) => {
    await run.api.send("DELETE", `/policies/${seg(run.args[0])}`);
    return done(run, { deleted: run.args[0] }, `Deleted policy ${run.args[0]}.`);
  });
  act(
    leaf(policies, "explain", "which of these scopes a user would get, and which policy decides")
      .argument("<user>", "username or account id")
      .argument("<scope...>", "scopes to check"),
    async (run) => {
      const account = await resolveUser(run.api, String(run.args[0]));
      const scope = splitScopes(run.args[1] as string[]).join(" ");
      const r = await run.api.get("/policies/explain", { account_id: String(account.id), scope });
      if (run.opts.json) return done(run, r, "");
      out(
        formatTable(
          [
            ["SCOPE", (d) => d.scope],
            ["DECISION", (d) => (d.permitted ? "permit" : "deny")],
            ["LEVEL", (d) => d.level],
            ["POLICY", (d) => d.policy_id],
            ["REASON", (d) => d.reason],
          ],
          (r.decisions as Json[] | undefined) ?? [],
        ),
      );
      return EXIT.ok;
    },
  );

  // ---- keys -------------------------------------------------------------------------------
  const keys = admin.command("keys").description("token signing keys: list, rotate");
  act(leaf(keys, "list", "list signing keys and their states", { list: true }), (run) =>
    showList(
      run,
      "/keys",
      [
        ["KID", (k) => k.kid],
        ["ALG", (k) => k.alg],
        ["STATE", (k) => k.state],
        ["SIGNS FROM", (k) => k.signs_from],
        ["SIGNS UNTIL", (k) => k.signs_until],
        ["PUBLISHED UNTIL", (k) => k.published_until],
      ],
      { noun: "keys" },
    ),
  );
  act(
    leaf(keys, "rotate", "add a new signing key (published first, signing later)").option(
      "--immediate",
      "sign with the new key at once (a compromised key)",
    ),
    async (run) => {
      const k = await run.api.send("POST", "/keys/rotate", { immediate: run.opts.immediate === true });
      return done(run, k, `New ${k?.alg} key ${k?.kid}, signing from ${k?.signs_from}.`);
    },
  );

  // ---- audit ------------------------------------------------------------------------------
  act(
    leaf(admin, "audit", "the audit trail, newest first", { list: true })
      .option(
        "--user <user>",
        "only the events of this account: its sign-ins and token grants, the changes it made",
      )
      .option("--event <event>", "only this event, e.g. login or account.updated"),
    async (run) => {
      const account = run.opts.user ? await resolveUser(run.api, String(run.opts.user)) : undefined;
      return showList(
        run,
        "/audit",
        [
          ["AT", (e) => e.at],
          ["EVENT", (e) => e.event],
          ["RESULT", (e) => e.result],
          ["USER", (e) => e.username],
          ["METHOD", (e) => e.method],
          ["IP", (e) => e.ip],
          ["REASON", (e) => e.reason],
        ],
        {
          query: {
            account_id: account ? String(account.id) : undefined,
            event: run.opts.event as string | undefined,
          },
          cursor: "before",
          noun: "events",
        },
      );
    },
  );

  // ---- aup --------------------------------------------------------------------------------
  const aup = admin.command("aup").description("the acceptable use policy: show, set");
  act(leaf(aup, "show", "show the acceptable use policy"), async (run) => {
    const a = await run.api.get("/aup");
    if (run.opts.json) return done(run, a, "");
    out(
      formatRecord([
        ["URL", a.url],
        ["Validity", a.validity_days === 0 ? "signed once" : `${a.validity_days} days`],
        ["Updated", a.updated_at],
      ]),
    );
    out(`\n${String(a.text ?? "").replace(/\n?$/, "\n")}`);
    return EXIT.ok;
  });
  act(
    leaf(aup, "set", "set the acceptable use policy (people sign it again)")
      .requiredOption("--text-file <file>", "file with the text (- for standard input)")
      .option("--url <url>", "where the full policy is published")
      .requiredOption("--validity-days <n>", "days a signature lasts (0: sign once)", days),
    async (run) => {
      const file = String(run.opts.textFile);
      let text: string;
      try {
        text = file === "-" ? await ctx.readStdin() : await readFile(file, "utf8");
      } catch (error) {
        throw new CliError(
          `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          EXIT.failed,
        );
      }
      const body: Json = { text, validity_days: run.opts.validityDays };
      if (run.opts.url !== undefined) body.url = run.opts.url;
      const a = await run.api.send("PUT", "/aup", body);
      return done(
        run,
        a,
        `Acceptable use policy set (${a?.validity_days === 0 ? "signed once" : `valid ${a?.validity_days} days`}).`,
      );
    },
  );
}

/** Every `tessera admin` command with its arguments, for the help text. */
function synopsis(admin: Command): string {
  const lines: string[] = [];
  const walk = (command: Command, prefix: string) => {
    for (const sub of command.commands) {
      const name = `${prefix} ${sub.name()}`;
      if (sub.commands.length > 0) walk(sub, name);
      else {
        const args = sub.registeredArguments.map((a) => {
          const text = `${a.name()}${a.variadic ? "..." : ""}`;
          return a.required ? `<${text}>` : `[${text}]`;
        });
        const required = sub.options.filter((o) => o.mandatory).map((o) => o.flags.replace(/^-\w, /, ""));
        lines.push(`  ${[name.trim(), ...args, ...required].join(" ")}`);
      }
    }
  };
  walk(admin, "tessera admin");
  return `${lines.join("\n")}\n  (every command also takes --issuer, --token, --account and --json; lists take --limit and --all)\n`;
}
