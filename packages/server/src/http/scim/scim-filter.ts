import { invalidFilter } from "./scim-error.js";

/**
 * SCIM filters and attribute paths (RFC 7644 §3.4.2.2 and §3.5.2), parsed by hand: no eval, no
 * regular expression over the whole input. Rules enforced:
 * - FILTER = attrExp / logExp / valuePath / "not" "(" FILTER ")"; `not` binds tighter than
 *   `and`, which binds tighter than `or`; parentheses group;
 * - attrExp = attrPath "pr" / attrPath compareOp compValue, with the operators eq ne co sw ew gt
 *   ge lt le (case-insensitive) and values false, null, true, a JSON number or a JSON string;
 * - attrPath = [URI ":"] ATTRNAME ["." subAttr]; valuePath = attrPath "[" valFilter "]", not nested;
 * - booleans compare only with eq and ne; co, sw and ew need a string;
 * - a multi-valued attribute matches when any of its values does; a complex value without a
 *   sub-attribute is compared by its `value` (`members eq "id"`).
 * Anything else is an `invalidFilter` error saying where the input went wrong.
 */

export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type CompareValue = string | number | boolean | null;

export interface AttrPath {
  /** The schema URN prefix, if given (`urn:ietf:params:scim:schemas:core:2.0:User`). */
  uri: string | null;
  name: string;
  sub: string | null;
}

export type Filter =
  | { kind: "compare"; path: AttrPath; op: CompareOp; value: CompareValue }
  | { kind: "present"; path: AttrPath }
  | { kind: "and" | "or"; left: Filter; right: Filter }
  | { kind: "not"; filter: Filter }
  | { kind: "valuePath"; path: AttrPath; filter: Filter };

/** A PATCH target: `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`. */
export interface PatchPath {
  path: AttrPath;
  filter: Filter | null;
  /** The sub-attribute after a value filter (`emails[type eq "work"].value`). */
  valueSub: string | null;
}

const COMPARE_OPS = new Set(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const ATTRNAME = /^[A-Za-z$][\w$-]*$/;
const MAX_LENGTH = 4096;
const MAX_DEPTH = 32;

type Token = { type: "(" | ")" | "[" | "]" | "word" | "string" | "number"; text: string; at: number };

function tokenize(input: string): Token[] {
  if (input.length > MAX_LENGTH) throw invalidFilter(`the filter is longer than ${MAX_LENGTH} characters`);
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")" || c === "[" || c === "]") {
      tokens.push({ type: c, text: c, at: i });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === "\\" ? 2 : 1;
      if (j >= input.length) throw invalidFilter(`unterminated string starting at position ${i + 1}`);
      tokens.push({ type: "string", text: input.slice(i, j + 1), at: i });
      i = j + 1;
    } else {
      const rest = input.slice(i);
      const number = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])/.exec(rest);
      const word = /^[A-Za-z$.][\w:.$-]*/.exec(rest);
      const found = number ?? word;
      if (!found) throw invalidFilter(`unexpected character '${c}' at position ${i + 1}`);
      tokens.push({ type: number ? "number" : "word", text: found[0], at: i });
      i += found[0].length;
    }
  }
  return tokens;
}

function toAttrPath(token: Token): AttrPath {
  const colon = token.text.lastIndexOf(":");
  const uri = colon === -1 ? null : token.text.slice(0, colon);
  const parts = token.text.slice(colon + 1).split(".");
  const [name, sub, ...extra] = parts;
  const bad = (what: string) => invalidFilter(`${what} '${token.text}' at position ${token.at + 1}`);
  if (!name || !ATTRNAME.test(name) || extra.length > 0) throw bad("invalid attribute path");
  if (sub !== undefined && !ATTRNAME.test(sub)) throw bad("invalid sub-attribute in");
  if (uri !== null && !/^urn:[\w.:-]+$/i.test(uri)) throw bad("invalid schema URN in");
  return { uri, name, sub: sub ?? null };
}

class Parser {
  private position = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (!token) throw invalidFilter("the filter ends too early");
    return token;
  }

  private expect(type: Token["type"], what: string): Token {
    if (!this.peek()) throw invalidFilter(`expected ${what}, but the filter ends`);
    const token = this.next();
    if (token.type !== type)
      throw invalidFilter(`expected ${what} at position ${token.at + 1}, found '${token.text}'`);
    return token;
  }

  private isWord(token: Token | undefined, word: string): boolean {
    return token?.type === "word" && token.text.toLowerCase() === word;
  }

  atEnd(): boolean {
    return this.position >= this.tokens.length;
  }

  rest(): Token | undefined {
    return this.peek();
  }

  /** FILTER, lowest precedence first. */
  or(inValuePath: boolean): Filter {
    let left = this.and(inValuePath);
    while (this.isWord(this.peek(), "or")) {
      this.next();
      left = { kind: "or", left, right: this.and(inValuePath) };
    }
    return left;
  }

  private and(inValuePath: boolean): Filter {
    let left = this.unary(inValuePath);
    while (this.isWord(this.peek(), "and")) {
      this.next();
      left = { kind: "and", left, right: this.unary(inValuePath) };
    }
    return left;
  }

  private unary(inValuePath: boolean): Filter {
    if (++this.depth > MAX_DEPTH) throw invalidFilter(`the filter nests deeper than ${MAX_DEPTH} levels`);
    try {
      const token = this.peek();
      if (this.isWord(token, "not") && this.tokens[this.position + 1]?.type === "(") {
        this.next();
        return { kind: "not", filter: this.group(inValuePath) };
      }
      if (token?.type === "(") return this.group(inValuePath);
      const path = toAttrPath(this.expect("word", "an attribute path"));
      if (this.peek()?.type === "[") {
        const open = this.next();
        if (inValuePath) throw invalidFilter(`value filters cannot nest (position ${open.at + 1})`);
        if (path.sub !== null)
          throw invalidFilter(`a value filter applies to an attribute, not '${path.name}.${path.sub}'`);
        const filter = this.or(true);
        this.expect("]", "']'");
        return { kind: "valuePath", path, filter };
      }
      const opToken = this.expect("word", "an operator");
      const op = opToken.text.toLowerCase();
      if (op === "pr") return { kind: "present", path };
      if (!COMPARE_OPS.has(op))
        throw invalidFilter(`unknown operator '${opToken.text}' at position ${opToken.at + 1}`);
      const value = this.value();
      if (typeof value === "boolean" && op !== "eq" && op !== "ne")
        throw invalidFilter(`'${op}' does not apply to a boolean (position ${opToken.at + 1})`);
      if ((op === "co" || op === "sw" || op === "ew") && typeof value !== "string")
        throw invalidFilter(`'${op}' needs a string value (position ${opToken.at + 1})`);
      return { kind: "compare", path, op: op as CompareOp, value };
    } finally {
      this.depth--;
    }
  }

  private group(inValuePath: boolean): Filter {
    this.expect("(", "'('");
    const filter = this.or(inValuePath);
    this.expect(")", "')'");
    return filter;
  }

  private value(): CompareValue {
    const token = this.next();
    if (token.type === "string") {
      try {
        return JSON.parse(token.text) as string;
      } catch {
        throw invalidFilter(`invalid string at position ${token.at + 1}`);
      }
    }
    if (token.type === "number") return Number(token.text);
    const word = token.text.toLowerCase();
    if (token.type === "word" && (word === "true" || word === "false")) return word === "true";
    if (token.type === "word" && word === "null") return null;
    throw invalidFilter(
      `expected a value (a "string", a number, true, false or null) at position ${token.at + 1}, found '${token.text}'`,
    );
  }
}

/** Parses a `filter` query parameter; throws `invalidFilter` with the position of the problem. */
export function parseFilter(input: string): Filter {
  const tokens = tokenize(input);
  if (tokens.length === 0) throw invalidFilter("the filter is empty");
  const parser = new Parser(tokens);
  const filter = parser.or(false);
  const extra = parser.rest();
  if (extra) throw invalidFilter(`unexpected '${extra.text}' at position ${extra.at + 1}`);
  return filter;
}

/** Parses a PATCH operation's `path` (RFC 7644 §3.5.2: PATH = attrPath / valuePath [subAttr]). */
export function parsePath(input: string): PatchPath {
  const tokens = tokenize(input);
  const first = tokens[0];
  if (first?.type !== "word") throw invalidFilter("the path must start with an attribute name");
  const path = toAttrPath(first);
  if (tokens.length === 1) return { path, filter: null, valueSub: null };
  if (tokens[1]?.type !== "[" || path.sub !== null) throw invalidFilter(`invalid path '${input}'`);
  const close = tokens.findLastIndex((t) => t.type === "]");
  if (close === -1) throw invalidFilter(`the value filter in '${input}' has no closing ']'`);
  const inner = new Parser(tokens.slice(2, close));
  if (inner.atEnd()) throw invalidFilter(`the value filter in '${input}' is empty`);
  const filter = inner.or(true);
  const extra = inner.rest();
  if (extra) throw invalidFilter(`unexpected '${extra.text}' at position ${extra.at + 1}`);
  const after = tokens.slice(close + 1);
  if (after.length === 0) return { path, filter, valueSub: null };
  const sub = after[0];
  if (after.length > 1 || sub?.type !== "word" || !/^\.[A-Za-z$][\w$-]*$/.test(sub.text))
    throw invalidFilter(`invalid text after the value filter in '${input}'`);
  return { path, filter, valueSub: sub.text.slice(1) };
}

/** Every attribute a filter names, as lower-case dotted paths (`emails.value`), with any URN. */
export function filterAttributes(
  filter: Filter,
  outer: string | null = null,
): { uri: string | null; key: string }[] {
  const key = (p: AttrPath) =>
    [outer, p.name, p.sub]
      .filter((part): part is string => part !== null)
      .join(".")
      .toLowerCase();
  switch (filter.kind) {
    case "compare":
    case "present":
      return [{ uri: filter.path.uri, key: key(filter.path) }];
    case "and":
    case "or":
      return [...filterAttributes(filter.left, outer), ...filterAttributes(filter.right, outer)];
    case "not":
      return filterAttributes(filter.filter, outer);
    case "valuePath":
      return [
        { uri: filter.path.uri, key: key(filter.path) },
        ...filterAttributes(filter.filter, key(filter.path)),
      ];
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** An attribute of a resource by name, case-insensitively (RFC 7643 §2.1). */
export function attribute(object: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

function valuesAt(resource: Record<string, unknown>, path: AttrPath): unknown[] {
  const items = list(attribute(resource, path.name));
  if (path.sub === null)
    return items.map((v) => (isObject(v) && attribute(v, "value") !== undefined ? attribute(v, "value") : v));
  const sub = path.sub;
  return items.flatMap((v) => (isObject(v) ? list(attribute(v, sub)) : []));
}

function compareOne(op: CompareOp, actual: unknown, expected: CompareValue, caseExact: boolean): boolean {
  // The parser has already refused ordering on booleans and co/sw/ew without a string.
  if (typeof expected === "boolean") return actual === expected;
  if (typeof expected === "number") {
    if (typeof actual !== "number") return false;
    return ordered(op, actual, expected);
  }
  if (typeof expected !== "string" || typeof actual !== "string") return false;
  const a = caseExact ? actual : actual.toLowerCase();
  const b = caseExact ? expected : expected.toLowerCase();
  if (op === "co") return a.includes(b);
  if (op === "sw") return a.startsWith(b);
  if (op === "ew") return a.endsWith(b);
  return ordered(op, a, b);
}

function ordered<T extends string | number>(op: CompareOp, a: T, b: T): boolean {
  switch (op) {
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    case "lt":
      return a < b;
    case "le":
      return a <= b;
    default:
      return a === b;
  }
}

/**
 * Whether a resource (its SCIM JSON) matches the filter. `caseExact` says which attributes
 * (lower-case dotted paths) compare strings exactly; the others ignore case.
 */
export function matches(
  filter: Filter,
  resource: Record<string, unknown>,
  caseExact: (key: string) => boolean = () => false,
  outer: string | null = null,
): boolean {
  const key = (p: AttrPath) =>
    [outer, p.name, p.sub]
      .filter((part): part is string => part !== null)
      .join(".")
      .toLowerCase();
  switch (filter.kind) {
    case "and":
      return (
        matches(filter.left, resource, caseExact, outer) && matches(filter.right, resource, caseExact, outer)
      );
    case "or":
      return (
        matches(filter.left, resource, caseExact, outer) || matches(filter.right, resource, caseExact, outer)
      );
    case "not":
      return !matches(filter.filter, resource, caseExact, outer);
    case "present":
      return valuesAt(resource, filter.path).some(
        (v) => !(v === "" || (isObject(v) && Object.keys(v).length === 0)),
      );
    case "valuePath": {
      const inner = key(filter.path);
      return list(attribute(resource, filter.path.name)).some(
        (item) => isObject(item) && matches(filter.filter, item, caseExact, inner),
      );
    }
    case "compare": {
      const values = valuesAt(resource, filter.path);
      if (filter.value === null) return filter.op === "ne" ? values.length > 0 : values.length === 0;
      const exact = caseExact(key(filter.path));
      if (filter.op === "ne") return !values.some((v) => compareOne("eq", v, filter.value, exact));
      return values.some((v) => compareOne(filter.op, v, filter.value, exact));
    }
  }
}
