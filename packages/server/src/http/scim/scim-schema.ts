/**
 * The SCIM resource schemas Tessera serves (RFC 7643 §4 and §8.7.1), described once: the
 * /Schemas endpoint publishes them, filters and PATCH paths are checked against them.
 */

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

type Mutability = "readOnly" | "readWrite" | "immutable" | "writeOnly";

export interface AttributeDef {
  name: string;
  type: "string" | "boolean" | "complex" | "reference" | "dateTime";
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: "always" | "never" | "default" | "request";
  uniqueness: "none" | "server";
  subAttributes?: AttributeDef[];
  referenceTypes?: string[];
}

function attr(
  name: string,
  type: AttributeDef["type"],
  description: string,
  options: Partial<Omit<AttributeDef, "name" | "type" | "description">> = {},
): AttributeDef {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
    ...options,
  };
}

const reference = (readOnly: boolean) =>
  attr("$ref", "reference", "The URI of the resource.", {
    referenceTypes: ["User", "Group"],
    mutability: readOnly ? "readOnly" : "immutable",
  });

export const USER_ATTRIBUTES: AttributeDef[] = [
  attr("userName", "string", "The login name, unique, stored lower-case; it cannot be changed.", {
    required: true,
    uniqueness: "server",
    mutability: "immutable",
  }),
  attr("name", "complex", "The user's name; Tessera keeps one full name (formatted).", {
    subAttributes: [
      attr("formatted", "string", "The full name."),
      attr("familyName", "string", "The family name (folded into formatted)."),
      attr("givenName", "string", "The given name (folded into formatted)."),
    ],
  }),
  attr("displayName", "string", "The name to display; the same field as name.formatted."),
  attr("emails", "complex", "The user's email address; Tessera keeps one (the primary).", {
    multiValued: true,
    subAttributes: [
      attr("value", "string", "The address."),
      attr("type", "string", "work, home or other."),
      attr("primary", "boolean", "Whether this is the primary address."),
    ],
  }),
  attr("active", "boolean", "false for suspended, pending or expired accounts."),
  attr("password", "string", "A new password (stored as an argon2id hash, never returned).", {
    mutability: "writeOnly",
    returned: "never",
  }),
  attr("groups", "complex", "The groups the user is a member of (read-only: manage via Groups).", {
    multiValued: true,
    mutability: "readOnly",
    subAttributes: [
      attr("value", "string", "The group's id.", { mutability: "readOnly", caseExact: true }),
      reference(true),
      attr("display", "string", "The group's full path.", { mutability: "readOnly" }),
      attr("type", "string", "direct.", { mutability: "readOnly" }),
    ],
  }),
];

export const GROUP_ATTRIBUTES: AttributeDef[] = [
  attr("displayName", "string", "The group's full path (/cms/uscms); it cannot be changed.", {
    required: true,
    uniqueness: "server",
    mutability: "immutable",
    caseExact: true,
  }),
  attr("members", "complex", "The group's members (users).", {
    multiValued: true,
    subAttributes: [
      attr("value", "string", "The member's id.", { mutability: "immutable", caseExact: true }),
      reference(false),
      attr("display", "string", "The member's userName.", { mutability: "readOnly" }),
      attr("type", "string", "User.", { mutability: "immutable" }),
    ],
  }),
];

/** Attributes every resource has (RFC 7643 §3.1). */
const COMMON = [
  "id",
  "externalid",
  "meta",
  "meta.created",
  "meta.lastmodified",
  "meta.resourcetype",
  "meta.location",
  "meta.version",
];
const CASE_EXACT_COMMON = ["id", "externalid", "meta.location", "meta.version"];

/**
 * Core User attributes Tessera does not keep: accepted on input and ignored (RFC 7644 §3.3 lets
 * a service provider ignore what it does not support), so provisioning clients that send them work.
 */
export const IGNORED_USER_ATTRIBUTES = new Set([
  "externalid",
  "nickname",
  "profileurl",
  "title",
  "usertype",
  "preferredlanguage",
  "locale",
  "timezone",
  "phonenumbers",
  "ims",
  "photos",
  "addresses",
  "entitlements",
  "roles",
  "x509certificates",
]);
export const IGNORED_GROUP_ATTRIBUTES = new Set(["externalid"]);

export interface ResourceSchema {
  urn: string;
  attributes: AttributeDef[];
  /** Lower-case dotted attribute paths a filter may name. */
  known: Set<string>;
  caseExact: (key: string) => boolean;
}

function resourceSchema(urn: string, attributes: AttributeDef[]): ResourceSchema {
  const known = new Set(COMMON);
  const exact = new Set(CASE_EXACT_COMMON);
  for (const a of attributes) {
    const key = a.name.toLowerCase();
    if (a.returned !== "never") known.add(key);
    if (a.caseExact) exact.add(key);
    for (const s of a.subAttributes ?? []) {
      known.add(`${key}.${s.name.toLowerCase()}`);
      if (s.caseExact) exact.add(`${key}.${s.name.toLowerCase()}`);
    }
    // A multi-valued complex attribute compares by its value (`members eq "id"`).
    if (a.multiValued && exact.has(`${key}.value`)) exact.add(key);
  }
  return { urn, attributes, known, caseExact: (key) => exact.has(key) };
}

export const USER = resourceSchema(USER_SCHEMA, USER_ATTRIBUTES);
export const GROUP = resourceSchema(GROUP_SCHEMA, GROUP_ATTRIBUTES);

/** The attribute definition by name (case-insensitive), if the schema has it. */
export function findAttribute(schema: ResourceSchema, name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return schema.attributes.find((a) => a.name.toLowerCase() === lower);
}

export function findSubAttribute(parent: AttributeDef, name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return parent.subAttributes?.find((a) => a.name.toLowerCase() === lower);
}

/** RFC 7643 §5. */
export function serviceProviderConfig(base: string) {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    documentationUri: "https://datatracker.ietf.org/doc/html/rfc7644",
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_COUNT },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "OAuth Bearer Token",
        description:
          "An access token of an administrator with the scope iam:admin.read (reads) or iam:admin.write (changes), or the bootstrap token.",
        specUri: "https://datatracker.ietf.org/doc/html/rfc6750",
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${base}/ServiceProviderConfig` },
  };
}

/** The most resources one list response carries. */
export const MAX_COUNT = 200;

const RESOURCE_TYPES = [
  { id: "User", name: "User", endpoint: "/Users", description: "User accounts", schema: USER_SCHEMA },
  {
    id: "Group",
    name: "Group",
    endpoint: "/Groups",
    description: "Groups, named by path",
    schema: GROUP_SCHEMA,
  },
];

/** RFC 7643 §6. */
export function resourceTypes(base: string) {
  return RESOURCE_TYPES.map((t) => ({
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    ...t,
    meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/${t.id}` },
  }));
}

/** RFC 7643 §7. */
export function schemaDocuments(base: string) {
  return [
    { id: USER_SCHEMA, name: "User", description: "User account", attributes: USER_ATTRIBUTES },
    { id: GROUP_SCHEMA, name: "Group", description: "Group", attributes: GROUP_ATTRIBUTES },
  ].map((s) => ({
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
    ...s,
    meta: { resourceType: "Schema", location: `${base}/Schemas/${s.id}` },
  }));
}
