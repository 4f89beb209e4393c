import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget } from "./scim-error.js";
import { attribute, filterAttributes, matches, type PatchPath, parsePath } from "./scim-filter.js";
import {
  type AttributeDef,
  findAttribute,
  findSubAttribute,
  PATCH_SCHEMA,
  type ResourceSchema,
} from "./scim-schema.js";

/**
 * PATCH (RFC 7644 §3.5.2) applied to a resource's SCIM JSON; the caller then stores the result
 * as it would a PUT. Rules:
 * - the body names the PatchOp schema and carries a non-empty `Operations` list; `op` is add,
 *   remove or replace (any case, as Azure AD sends `Replace`);
 * - add without a path merges an object of attributes; add to a multi-valued attribute appends;
 * - replace of a complex attribute changes the sub-attributes given and keeps the others;
 *   replace of a multi-valued attribute replaces all its values;
 * - `attr[filter]` selects values: replace with no match is `noTarget`, remove with no match
 *   changes nothing; remove needs a path (`noTarget`);
 * - remove of a multi-valued attribute with a `value` list removes just those values (what
 *   Azure AD sends to remove group members);
 * - unknown attributes are `invalidPath`; read-only ones (`id`, `meta`, `groups`) `mutability`;
 *   core attributes Tessera does not keep are accepted and ignored.
 */

export interface PatchOperation {
  op: "add" | "remove" | "replace";
  path: PatchPath | null;
  value: unknown;
}

const MAX_OPERATIONS = 1000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks a PATCH body and parses its paths. */
export function readPatch(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax("the request body must be a JSON object");
  const schemas = attribute(body, "schemas");
  if (!Array.isArray(schemas) || !schemas.includes(PATCH_SCHEMA))
    throw invalidSyntax(`a PATCH request must have "schemas": ["${PATCH_SCHEMA}"]`);
  const operations = attribute(body, "Operations");
  if (!Array.isArray(operations) || operations.length === 0)
    throw invalidSyntax("a PATCH request needs a non-empty Operations list");
  if (operations.length > MAX_OPERATIONS)
    throw invalidSyntax(`at most ${MAX_OPERATIONS} operations per request`);
  return operations.map((operation, index) => {
    if (!isObject(operation)) throw invalidSyntax(`operation ${index + 1} is not an object`);
    const op = attribute(operation, "op");
    const kind = typeof op === "string" ? op.toLowerCase() : "";
    if (kind !== "add" && kind !== "remove" && kind !== "replace")
      throw invalidSyntax(`operation ${index + 1}: op must be add, remove or replace`);
    const path = attribute(operation, "path");
    if (path !== undefined && typeof path !== "string")
      throw invalidPath(`operation ${index + 1}: path must be a string`);
    const value = attribute(operation, "value");
    if (kind !== "remove" && value === undefined)
      throw invalidValue(`operation ${index + 1}: ${kind} needs a value`);
    if (kind === "remove" && !path) throw noTarget(`operation ${index + 1}: remove needs a path`);
    let parsed: PatchPath | null = null;
    if (path) {
      try {
        parsed = parsePath(path);
      } catch (error) {
        throw invalidPath(`operation ${index + 1}: ${(error as Error).message}`);
      }
    }
    return { op: kind, path: parsed, value };
  });
}

/** Returns the patched copy of `resource` (whose attribute names are the schema's own). */
export function applyPatch(
  resource: Record<string, unknown>,
  operations: PatchOperation[],
  schema: ResourceSchema,
  ignored: ReadonlySet<string>,
): Record<string, unknown> {
  const result = structuredClone(resource);
  for (const operation of operations) {
    if (operation.path === null) {
      if (!isObject(operation.value))
        throw invalidValue(`${operation.op} without a path needs an object of attributes as its value`);
      for (const [name, value] of Object.entries(operation.value)) {
        if (name.toLowerCase() === "schemas") continue;
        if (name.toLowerCase() === schema.urn.toLowerCase() && isObject(value)) {
          for (const [inner, innerValue] of Object.entries(value))
            applyOne(
              result,
              operation.op,
              { uri: null, name: inner, sub: null },
              null,
              null,
              innerValue,
              schema,
              ignored,
            );
          continue;
        }
        applyOne(result, operation.op, { uri: null, name, sub: null }, null, null, value, schema, ignored);
      }
    } else {
      const { path, filter, valueSub } = operation.path;
      applyOne(result, operation.op, path, filter, valueSub, operation.value, schema, ignored);
    }
  }
  return result;
}

function applyOne(
  resource: Record<string, unknown>,
  op: PatchOperation["op"],
  path: PatchPath["path"],
  filter: PatchPath["filter"],
  valueSub: string | null,
  value: unknown,
  schema: ResourceSchema,
  ignored: ReadonlySet<string>,
): void {
  const shown = `${path.name}${path.sub ? `.${path.sub}` : ""}`;
  if (path.uri !== null && path.uri.toLowerCase() !== schema.urn.toLowerCase())
    throw invalidPath(`unknown schema in path: ${path.uri}`);
  const def = findAttribute(schema, path.name);
  if (!def) {
    if (ignored.has(path.name.toLowerCase())) return;
    if (["id", "meta", "schemas"].includes(path.name.toLowerCase()))
      throw mutability(`${path.name} is read-only`);
    throw invalidPath(`unknown attribute: ${shown}`);
  }
  if (def.mutability === "readOnly") throw mutability(`${def.name} is read-only`);
  const sub = path.sub === null ? null : findSubAttribute(def, path.sub);
  if (path.sub !== null && !sub) throw invalidPath(`unknown attribute: ${shown}`);
  const inner = valueSub === null ? null : findSubAttribute(def, valueSub);
  if (valueSub !== null && !inner) throw invalidPath(`unknown attribute: ${def.name}.${valueSub}`);

  if (filter) {
    if (!def.multiValued) throw invalidPath(`${def.name} is not multi-valued: it takes no value filter`);
    const key = def.name.toLowerCase();
    for (const named of filterAttributes(filter, key)) {
      if (!schema.known.has(named.key))
        throw invalidPath(`unknown attribute in the value filter: ${named.key}`);
    }
    const values = listOf(resource[def.name]);
    const hit = (v: unknown) => isObject(v) && matches(filter, v, schema.caseExact, key);
    if (op === "remove") {
      resource[def.name] = inner
        ? values.map((v) => (hit(v) && isObject(v) ? without(v, inner.name) : v))
        : values.filter((v) => !hit(v));
      return;
    }
    if (!values.some(hit)) throw noTarget(`no value of ${def.name} matches the filter`);
    resource[def.name] = values.map((v) => {
      if (!hit(v) || !isObject(v)) return v;
      if (inner) return { ...v, [inner.name]: value };
      if (!isObject(value)) throw invalidValue(`the value for ${def.name}[…] must be an object`);
      return { ...v, ...canonical(def, value) };
    });
    return;
  }

  if (sub) {
    if (def.multiValued)
      throw invalidPath(`select values of ${def.name} with a filter: ${def.name}[…].${sub.name}`);
    const current = isObject(resource[def.name]) ? (resource[def.name] as Record<string, unknown>) : {};
    resource[def.name] = op === "remove" ? without(current, sub.name) : { ...current, [sub.name]: value };
    return;
  }

  if (op === "remove") {
    if (def.multiValued && value !== undefined) {
      const drop = new Set(listOf(value).map(valueKey));
      resource[def.name] = listOf(resource[def.name]).filter((v) => !drop.has(valueKey(v)));
    } else {
      delete resource[def.name];
    }
    return;
  }
  if (def.multiValued) {
    const given = listOf(value).map((v) => (isObject(v) ? canonical(def, v) : v));
    if (op === "replace") {
      resource[def.name] = given;
    } else {
      const existing = listOf(resource[def.name]);
      const seen = new Set(existing.map(valueKey));
      resource[def.name] = [...existing, ...given.filter((v) => !seen.has(valueKey(v)))];
    }
    return;
  }
  if (def.type === "complex") {
    if (!isObject(value)) throw invalidValue(`the value of ${def.name} must be an object`);
    const current = isObject(resource[def.name]) ? (resource[def.name] as Record<string, unknown>) : {};
    resource[def.name] = { ...current, ...canonical(def, value) };
    return;
  }
  resource[def.name] = value;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

function valueKey(v: unknown): unknown {
  return isObject(v) ? attribute(v, "value") : v;
}

function without(object: Record<string, unknown>, name: string): Record<string, unknown> {
  const { [name]: _dropped, ...rest } = object;
  return rest;
}

/** The object with known sub-attribute names spelled as the schema spells them. */
function canonical(def: AttributeDef, value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [findSubAttribute(def, k)?.name ?? k, v]));
}
