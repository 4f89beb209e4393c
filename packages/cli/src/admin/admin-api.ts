import { CliError, EXIT } from "../errors.js";

/** The scopes an administrator's access token needs for the REST API (INDIGO IAM's names). */
export const ADMIN_SCOPES = "iam:admin.read iam:admin.write";
export const ADMIN_LOGIN_HINT = `tessera login --scope "openid profile email offline_access ${ADMIN_SCOPES}"`;

/** Where the bearer came from, so a refusal can say what to fix. */
export type TokenSource = "option" | "environment" | "account";

export type Json = Record<string, unknown>;
type Query = Record<string, string | number | undefined>;

/** One page of a list endpoint: the items and, unless it is the last, the cursor of the next. */
export interface ApiPage {
  items: Json[];
  next?: string | number;
}

export interface AdminApi {
  readonly issuer: string;
  get(path: string, query?: Query): Promise<Json>;
  send(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<Json | null>;
  /**
   * Items of a list endpoint. Cursor-paginated endpoints name their cursor parameter (`after` or
   * `before`); the pages are followed while `all` is set, else one page of `limit` items.
   * `truncated` says there was more.
   */
  list(
    path: string,
    options: { query?: Query; limit?: number; all?: boolean; cursor?: "after" | "before" },
  ): Promise<{ items: Json[]; truncated: boolean; next?: string | number }>;
}

const TIMEOUT_MS = 30_000;
const PAGE_MAX = 500;

/** The REST API at `<issuer>/api/v1` with a bearer token; every refusal becomes one clear line. */
export function createAdminApi(issuer: string, token: string, source: TokenSource): AdminApi {
  const base = `${issuer.replace(/\/+$/, "")}/api/v1`;

  async function call(method: string, path: string, query?: Query, body?: unknown): Promise<Json | null> {
    const url = new URL(`${base}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        throw new CliError(`${issuer} did not answer within ${TIMEOUT_MS / 1000} s`, EXIT.failed, {
          cause: error,
        });
      }
      const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
      throw new CliError(`cannot reach ${issuer}${code ? ` (${code})` : ""}`, EXIT.failed, { cause: error });
    }
    const text = await response.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!response.ok) throw refusal(response.status, parsed, source);
    if (parsed === undefined) {
      throw new CliError(`unexpected answer from ${issuer}: ${method} ${path} did not return JSON`);
    }
    return parsed as Json | null;
  }

  return {
    issuer,
    async get(path, query) {
      return (await call("GET", path, query)) ?? {};
    },
    send(method, path, body) {
      return call(method, path, undefined, body);
    },
    async list(path, { query = {}, limit, all = false, cursor }) {
      const items: Json[] = [];
      let next: string | number | undefined;
      for (;;) {
        const want = all ? PAGE_MAX : Math.min((limit ?? 50) - items.length, PAGE_MAX);
        const pageQuery: Query = { ...query };
        if (cursor) pageQuery.limit = want;
        if (cursor && next !== undefined) pageQuery[cursor] = next;
        const page = (await this.get(path, pageQuery)) as unknown as ApiPage;
        const got = Array.isArray(page.items) ? page.items : [];
        items.push(...got);
        next = cursor ? page.next : undefined;
        if (next === undefined || got.length === 0) break;
        if (!all && items.length >= (limit ?? 50)) break;
      }
      // Endpoints without pagination return everything: --limit cuts the list here.
      if (!all && limit !== undefined && items.length > limit) {
        return { items: items.slice(0, limit), truncated: true };
      }
      return { items, truncated: next !== undefined, ...(next === undefined ? {} : { next }) };
    },
  };
}

/** Problem JSON (RFC 7807) to one line, a hint and the exit code. */
export function refusal(status: number, body: unknown, source: TokenSource): CliError {
  const problem = (body && typeof body === "object" ? body : {}) as Json;
  const code = typeof problem.code === "string" ? problem.code : undefined;
  const detail =
    typeof problem.detail === "string" && problem.detail
      ? problem.detail
      : typeof problem.title === "string"
        ? problem.title
        : `HTTP ${status}`;
  if (status === 401) {
    const hint =
      source === "account"
        ? "run `tessera login` again"
        : `check ${source === "option" ? "--token" : "$TESSERA_ADMIN_TOKEN"}`;
    return new CliError(`not authorized: ${detail}; ${hint}`, EXIT.auth);
  }
  if (status === 403) {
    if (code === "insufficient_scope") {
      return new CliError(
        `not allowed: ${detail}; log in with the administrator scopes: ${ADMIN_LOGIN_HINT}`,
        EXIT.auth,
      );
    }
    if (code === "forbidden") {
      return new CliError(`not allowed: ${detail} (this account is not an administrator)`, EXIT.auth);
    }
    return new CliError(`not allowed: ${detail}`, EXIT.auth);
  }
  return new CliError(detail, EXIT.failed);
}
