import { createHash } from "node:crypto";
import { invalidFilter, invalidValue } from "./scim-error.js";
import { attribute, type Filter, filterAttributes, parseFilter } from "./scim-filter.js";
import { LIST_SCHEMA, MAX_COUNT, type ResourceSchema } from "./scim-schema.js";

/** The query of a list request (RFC 7644 §3.4.2), checked. */
export interface ListQuery {
  filter: Filter | null;
  /** 1-based. */
  startIndex: number;
  count: number;
  sortBy: string | null;
  descending: boolean;
  attributes: string[];
  excluded: string[];
}

const SORTABLE = new Set([
  "id",
  "username",
  "displayname",
  "name.formatted",
  "emails.value",
  "meta.created",
  "meta.lastmodified",
]);

function integer(raw: unknown, name: string): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (typeof raw !== "string" || !/^-?\d{1,9}$/.test(raw)) throw invalidValue(`${name} must be an integer`);
  return Number(raw);
}

function names(raw: unknown): string[] {
  return typeof raw === "string" && raw !== ""
    ? raw
        .split(",")
        .map((n) => n.trim().toLowerCase())
        .filter(Boolean)
    : [];
}

export function readListQuery(query: Record<string, unknown>, schema: ResourceSchema): ListQuery {
  const text = query.filter;
  if (text !== undefined && typeof text !== "string") throw invalidFilter("give one filter");
  const filter = text ? parseFilter(text) : null;
  for (const named of filter ? filterAttributes(filter) : []) {
    if (named.uri !== null && named.uri.toLowerCase() !== schema.urn.toLowerCase())
      throw invalidFilter(`unknown schema in the filter: ${named.uri}`);
    if (!schema.known.has(named.key)) throw invalidFilter(`unknown attribute in the filter: ${named.key}`);
  }
  const sortBy = typeof query.sortBy === "string" && query.sortBy !== "" ? query.sortBy.toLowerCase() : null;
  const sortKey = sortBy?.replace(`${schema.urn.toLowerCase()}:`, "") ?? null;
  if (sortKey !== null && (!SORTABLE.has(sortKey) || !schema.known.has(sortKey)))
    throw invalidValue(`cannot sort by ${query.sortBy}`);
  const order = query.sortOrder;
  if (order !== undefined && order !== "ascending" && order !== "descending")
    throw invalidValue("sortOrder must be ascending or descending");
  return {
    filter,
    startIndex: Math.max(1, integer(query.startIndex, "startIndex") ?? 1),
    count: Math.min(MAX_COUNT, Math.max(0, integer(query.count, "count") ?? MAX_COUNT)),
    sortBy: sortKey,
    descending: order === "descending",
    attributes: names(query.attributes),
    excluded: names(query.excludedAttributes),
  };
}

/** Whether a top-level attribute will be in the response (to skip loading what is left out). */
export function wanted(query: Pick<ListQuery, "attributes" | "excluded">, name: string): boolean {
  const lower = name.toLowerCase();
  if (query.attributes.length > 0)
    return query.attributes.some((a) => a === lower || a.startsWith(`${lower}.`));
  return !query.excluded.includes(lower);
}

/** Keeps what `attributes` asks for (or drops what `excludedAttributes` names); id and schemas stay. */
export function project(
  resource: Record<string, unknown>,
  query: Pick<ListQuery, "attributes" | "excluded">,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(resource).filter(([key]) => key === "id" || key === "schemas" || wanted(query, key)),
  );
}

function sortValue(resource: Record<string, unknown>, key: string): string {
  const [name, sub] = key.split(".") as [string, string | undefined];
  let value = attribute(resource, name);
  if (Array.isArray(value)) value = value[0];
  if (sub !== undefined && typeof value === "object" && value !== null)
    value = attribute(value as Record<string, unknown>, sub);
  return typeof value === "string" ? value.toLowerCase() : "";
}

/** Sorts (if asked), pages and wraps resources in a ListResponse (RFC 7644 §3.4.2). */
export function sortResources(
  resources: Record<string, unknown>[],
  query: ListQuery,
): Record<string, unknown>[] {
  if (query.sortBy === null) return resources;
  const key = query.sortBy;
  const sorted = [...resources].sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return query.descending ? sorted.reverse() : sorted;
}

export function listResponse(total: number, startIndex: number, page: Record<string, unknown>[]) {
  return {
    schemas: [LIST_SCHEMA],
    totalResults: total,
    startIndex,
    itemsPerPage: page.length,
    Resources: page,
  };
}

/** A weak ETag over the resource's content (its meta aside), so any change shows. */
export function weakEtag(resource: Record<string, unknown>): string {
  const { meta: _meta, ...content } = resource;
  return `W/"${createHash("sha256").update(JSON.stringify(content)).digest("base64url").slice(0, 22)}"`;
}

export const iso = (ms: number) => new Date(ms).toISOString();
