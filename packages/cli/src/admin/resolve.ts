import { CliError, EXIT } from "../errors.js";
import type { AdminApi, Json } from "./admin-api.js";

/**
 * The first item of a cursor-paginated list (`after` cursor) that matches, paging through the
 * whole list when needed; undefined when none does.
 */
export async function findInList(
  api: AdminApi,
  path: string,
  matches: (item: Json) => boolean,
): Promise<Json | undefined> {
  let after: string | number | undefined;
  for (;;) {
    const page = await api.get(path, {
      limit: 500,
      ...(after === undefined ? {} : { after: String(after) }),
    });
    const items = Array.isArray(page.items) ? (page.items as Json[]) : [];
    const found = items.find(matches);
    if (found) return found;
    after = page.next as string | number | undefined;
    if (after === undefined || items.length === 0) return undefined;
  }
}

/** An account named by username or id. */
export async function resolveUser(api: AdminApi, reference: string): Promise<Json> {
  const wanted = reference.trim();
  const lower = wanted.toLowerCase();
  const account = await findInList(api, "/accounts", (a) => a.username === lower || a.id === wanted);
  if (!account) throw new CliError(`no user "${reference}" at ${api.issuer}`, EXIT.failed);
  return account;
}

/** A group named by path (`/cms/uscms`) or id. */
export async function resolveGroup(api: AdminApi, reference: string): Promise<Json> {
  const wanted = reference.trim().replace(/\/+$/, "");
  const group = await findInList(api, "/groups", (g) => g.name === wanted || g.id === wanted);
  if (!group) throw new CliError(`no group "${reference}" at ${api.issuer}`, EXIT.failed);
  return group;
}

export const idOf = (item: Json): string => String(item.id);

/** Usernames for account ids (for tables that only carry ids); unknown ids stay as they are. */
export async function usernamesFor(api: AdminApi, ids: Iterable<unknown>): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set([...ids].filter((i): i is string => typeof i === "string" && i !== ""))) {
    try {
      const account = await api.get(`/accounts/${encodeURIComponent(id)}`);
      if (typeof account.username === "string") names.set(id, account.username);
    } catch (error) {
      if (!(error instanceof CliError) || error.exitCode !== EXIT.failed) throw error;
    }
  }
  return names;
}

/** Group paths by id (the whole list, read once). */
export async function groupPaths(api: AdminApi): Promise<Map<string, string>> {
  const { items } = await api.list("/groups", { all: true, cursor: "after" });
  return new Map(items.map((g) => [String(g.id), String(g.name)]));
}
