/**
 * Reading request parameters from a parsed form body.
 *
 * - RFC 6749 §3.1 / §3.2: "Request and response parameters MUST NOT be included more than once",
 *   so a repeated parameter is `invalid_request`; and "Parameters sent without a value MUST be
 *   treated as if they were omitted from the request", so `""` reads as absent.
 * - RFC 8707 §2: `resource` MAY be repeated; it is read with `repeatableParameter`.
 *
 * The body is whatever the urlencoded parser produced: repeated keys arrive as arrays. Anything
 * else (a nested object from a JSON body, a number) is not a form parameter and is refused.
 */
import { OAuthError } from "./oauth-error.js";

function isRecord(body: unknown): body is Record<string, unknown> {
  return typeof body === "object" && body !== null && !Array.isArray(body);
}

function ownValue(body: Record<string, unknown>, name: string): unknown {
  // Own properties only: `constructor` or `__proto__` must not read through the prototype.
  return Object.hasOwn(body, name) ? body[name] : undefined;
}

/** Each named parameter as a single string, or `undefined` when absent or empty. */
export function singleParameters(
  body: unknown,
  names: readonly string[],
): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const name of names) result[name] = undefined;
  if (!isRecord(body)) return result;
  for (const name of names) {
    const value = ownValue(body, name);
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      // `a=&a=x` is still a repeat: the parameter appears twice in the request.
      if (value.length > 1) throw new OAuthError("invalid_request", `parameter ${name} repeated`);
      const only: unknown = value[0];
      if (only === undefined) continue;
      if (typeof only !== "string") throw new OAuthError("invalid_request", `parameter ${name} malformed`);
      if (only !== "") result[name] = only;
      continue;
    }
    if (typeof value !== "string") throw new OAuthError("invalid_request", `parameter ${name} malformed`);
    if (value !== "") result[name] = value;
  }
  return result;
}

/** Every value of a parameter that may repeat (RFC 8707 `resource`), empty values dropped. */
export function repeatableParameter(body: unknown, name: string): string[] {
  if (!isRecord(body)) return [];
  const value = ownValue(body, name);
  if (value === undefined) return [];
  const values: unknown[] = Array.isArray(value) ? value : [value];
  return values
    .map((item) => {
      if (typeof item !== "string") throw new OAuthError("invalid_request", `parameter ${name} malformed`);
      return item;
    })
    .filter((item) => item !== "");
}
