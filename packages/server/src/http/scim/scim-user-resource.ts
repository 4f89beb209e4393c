import { type Account, isAccountUsable } from "../../domain/accounts/account.js";
import { invalidSyntax, invalidValue } from "./scim-error.js";
import { attribute } from "./scim-filter.js";
import { iso, weakEtag } from "./scim-list.js";
import { IGNORED_USER_ATTRIBUTES, USER_SCHEMA } from "./scim-schema.js";

/**
 * A Tessera account as a SCIM User (RFC 7643 §4.1) and back. Tessera keeps one full name and
 * one email address: `name.formatted` and `displayName` are the same field, given and family
 * names are folded into it, and the primary (or first) email is the one kept. `active` is false
 * for pending, suspended and expired accounts.
 */

export function userResource(
  account: Account,
  groups: { id: string; name: string }[],
  base: string,
  now: number,
): Record<string, unknown> {
  const resource: Record<string, unknown> = {
    schemas: [USER_SCHEMA],
    id: account.id,
    userName: account.username,
    ...(account.name ? { name: { formatted: account.name }, displayName: account.name } : {}),
    ...(account.email ? { emails: [{ value: account.email, type: "work", primary: true }] } : {}),
    active: isAccountUsable(account, now),
    groups: groups.map((g) => ({
      value: g.id,
      display: g.name,
      $ref: `${base}/Groups/${g.id}`,
      type: "direct",
    })),
  };
  resource.meta = {
    resourceType: "User",
    created: iso(account.createdAt),
    lastModified: iso(account.updatedAt),
    location: `${base}/Users/${account.id}`,
    version: weakEtag(resource),
  };
  return resource;
}

/** What a request asks to store; absent fields are not asserted and stay as they are. */
export interface UserFields {
  userName?: string;
  name?: string;
  email?: string;
  active?: boolean;
  password?: string;
}

interface NameParts {
  formatted?: string | undefined;
  given?: string | undefined;
  family?: string | undefined;
  displayName?: string | undefined;
}

const USERNAME = /^[a-z0-9][a-z0-9._@+-]{0,127}$/;
const EMAIL = /^[^@\s]{1,64}@[^@\s]{1,255}$/;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function text(value: unknown, what: string, max: number): string {
  if (typeof value !== "string") throw invalidValue(`${what} must be a string`);
  const trimmed = value.trim();
  if (trimmed.length > max || /\p{Cc}/u.test(trimmed))
    throw invalidValue(`${what} must be at most ${max} characters without control characters`);
  return trimmed;
}

function optionalText(value: unknown, what: string): string | undefined {
  return value === undefined || value === null ? undefined : text(value, what, 256);
}

/** Azure AD has sent `"active": "False"`; both spellings are taken. */
function boolean(value: unknown, what: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  throw invalidValue(`${what} must be true or false`);
}

/** Checks the schemas list of a POST or PUT body: the core User schema and nothing unknown. */
export function checkSchemas(body: Record<string, unknown>, urn: string): void {
  const schemas = attribute(body, "schemas");
  if (!Array.isArray(schemas) || !schemas.includes(urn))
    throw invalidSyntax(`the resource must have "schemas": ["${urn}"]`);
  const other = schemas.find((s) => s !== urn);
  if (other !== undefined) throw invalidSyntax(`unsupported schema: ${String(other)}`);
}

/**
 * Reads a User body (POST, PUT, or a resource after PATCH). `previousName` is the stored name
 * when patching: a name field still equal to it was not changed, so another one was.
 */
export function readUser(body: unknown, previousName: string | null = null): UserFields {
  if (!isObject(body)) throw invalidSyntax("the request body must be a JSON object");
  const fields: UserFields = {};
  const parts: NameParts = {};
  for (const [key, value] of Object.entries(body)) {
    const lower = key.toLowerCase();
    if (["schemas", "id", "meta", "groups"].includes(lower) || IGNORED_USER_ATTRIBUTES.has(lower)) continue;
    switch (lower) {
      case "username": {
        const name = text(value, "userName", 128).toLowerCase();
        if (!USERNAME.test(name))
          throw invalidValue("userName: letters, digits and . _ @ + - only, starting with a letter or digit");
        fields.userName = name;
        break;
      }
      case "name":
        if (value === null) break;
        if (!isObject(value)) throw invalidValue("name must be an object");
        parts.formatted = optionalText(attribute(value, "formatted"), "name.formatted");
        parts.given = optionalText(attribute(value, "givenName"), "name.givenName");
        parts.family = optionalText(attribute(value, "familyName"), "name.familyName");
        break;
      case "displayname":
        parts.displayName = optionalText(value, "displayName");
        break;
      case "emails":
        fields.email = primaryEmail(value);
        break;
      case "active":
        fields.active = boolean(value, "active");
        break;
      case "password": {
        if (typeof value !== "string" || value.length < 8 || value.length > 1024)
          throw invalidValue("password must be 8 to 1024 characters");
        fields.password = value;
        break;
      }
      default:
        throw invalidSyntax(`unknown attribute: ${key}`);
    }
  }
  const name = pickName(parts, previousName);
  if (name !== undefined) fields.name = name;
  return fields;
}

function primaryEmail(value: unknown): string {
  if (value === null) return "";
  if (!Array.isArray(value)) throw invalidValue("emails must be a list");
  const emails = value.map((e) => {
    if (!isObject(e)) throw invalidValue("each email must be an object with a value");
    const address = text(attribute(e, "value"), "emails.value", 320);
    if (!EMAIL.test(address)) throw invalidValue(`not an email address: ${address}`);
    const primary = attribute(e, "primary");
    return { address, primary: primary === undefined ? false : boolean(primary, "emails.primary") };
  });
  if (emails.filter((e) => e.primary).length > 1) throw invalidValue("at most one email can be primary");
  return (emails.find((e) => e.primary) ?? emails[0])?.address ?? "";
}

function pickName(parts: NameParts, previous: string | null): string | undefined {
  const composed = (given = "", family = "") => `${given} ${family}`.trim() || undefined;
  if (previous === null)
    return parts.formatted || composed(parts.given, parts.family) || parts.displayName || undefined;
  if (parts.displayName !== undefined && parts.displayName !== previous) return parts.displayName;
  if (parts.formatted !== undefined && parts.formatted !== previous) return parts.formatted;
  if (parts.given !== undefined || parts.family !== undefined) {
    // Only one full name is kept: its first word stands for the given name, the rest the family name.
    const [first = "", ...rest] = previous.split(/\s+/);
    return composed(parts.given ?? first, parts.family ?? rest.join(" ")) ?? previous;
  }
  return previous;
}
