/** RFC 7644 §3.12: the schema of every SCIM error body. */
export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** The `scimType` codes of RFC 7644 §3.12 table 9 that Tessera uses. */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers";

/** An error answered as SCIM error JSON with this status and (for 400 and 409) a `scimType`. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | null,
    detail: string,
  ) {
    super(detail);
    this.name = "ScimError";
  }
}

export const invalidFilter = (detail: string) => new ScimError(400, "invalidFilter", detail);
export const invalidValue = (detail: string) => new ScimError(400, "invalidValue", detail);
export const invalidSyntax = (detail: string) => new ScimError(400, "invalidSyntax", detail);
export const invalidPath = (detail: string) => new ScimError(400, "invalidPath", detail);
export const mutability = (detail: string) => new ScimError(400, "mutability", detail);
export const noTarget = (detail: string) => new ScimError(400, "noTarget", detail);

/** The body of a SCIM error response. */
export function scimErrorBody(status: number, scimType: ScimType | null, detail: string) {
  return {
    schemas: [SCIM_ERROR_SCHEMA],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail,
  };
}
