import { describe, expect, test } from "vitest";
import { ScimError } from "../src/http/scim/scim-error.js";
import { filterAttributes, matches, parseFilter, parsePath } from "../src/http/scim/scim-filter.js";
import { USER } from "../src/http/scim/scim-schema.js";

const alice = {
  id: "A1",
  userName: "alice",
  name: { formatted: "Alice Liddell" },
  emails: [
    { value: "alice@example.org", type: "work", primary: true },
    { value: "a@home.example", type: "home" },
  ],
  active: true,
  groups: [{ value: "g1", display: "/cms" }],
  meta: { created: "2024-01-01T00:00:00.000Z" },
};

const match = (filter: string, resource: Record<string, unknown> = alice) =>
  matches(parseFilter(filter), resource, USER.caseExact);

function invalid(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).scimType).toBe("invalidFilter");
    return (error as ScimError).message;
  }
  throw new Error("expected invalidFilter");
}

describe("SCIM filter parser (RFC 7644 §3.4.2.2)", () => {
  test("the provisioning subset", () => {
    expect(parseFilter('userName eq "bjensen"')).toEqual({
      kind: "compare",
      path: { uri: null, name: "userName", sub: null },
      op: "eq",
      value: "bjensen",
    });
    expect(match('userName eq "ALICE"')).toBe(true);
    expect(match('userName eq "bob"')).toBe(false);
    expect(match('emails.value eq "a@home.example"')).toBe(true);
    expect(match('id eq "A1"')).toBe(true);
    expect(match('id eq "a1"')).toBe(false); // id is caseExact
    expect(match("active eq true")).toBe(true);
    expect(match("active eq false")).toBe(false);
    expect(match('userName eq "alice" and active eq true')).toBe(true);
    expect(match('userName eq "alice" and active eq false')).toBe(false);
  });

  test("operators, precedence, not, grouping, value paths, URNs", () => {
    expect(match('userName sw "al" and name.formatted co "lidd" and emails.value ew ".org"')).toBe(true);
    expect(match('userName eq "x" or userName eq "alice" and active eq true')).toBe(true);
    expect(match('(userName eq "x" or userName eq "alice") and active eq false')).toBe(false);
    expect(match('not (userName eq "alice")')).toBe(false);
    expect(match('userName ne "bob"')).toBe(true);
    expect(match('emails[type eq "work" and value co "example.org"]')).toBe(true);
    expect(match('emails[type eq "home" and value co "example.org"]')).toBe(false);
    expect(match("title pr")).toBe(false);
    expect(match("emails pr")).toBe(true);
    expect(match('meta.created gt "2023-12-31T00:00:00Z"')).toBe(true);
    expect(match('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice"')).toBe(true);
    expect(match('groups eq "g1"')).toBe(true);
    expect(match('USERNAME EQ "alice" AND ACTIVE EQ TRUE')).toBe(true);
    expect(match('userName eq "a\\"b"', { userName: 'a"b' })).toBe(true);
  });

  test("every malformed filter is invalidFilter with a useful message", () => {
    expect(invalid(() => parseFilter(""))).toMatch(/empty/);
    expect(invalid(() => parseFilter('userName eq "alice'))).toMatch(/unterminated/);
    expect(invalid(() => parseFilter('userName equals "alice"'))).toMatch(/unknown operator 'equals'/);
    expect(invalid(() => parseFilter("userName eq"))).toMatch(/ends too early/);
    expect(invalid(() => parseFilter('userName eq "a" and'))).toMatch(
      /expected an attribute path, but the filter ends/,
    );
    expect(invalid(() => parseFilter('userName eq "a" extra'))).toMatch(/unexpected 'extra'/);
    expect(invalid(() => parseFilter('(userName eq "a"'))).toMatch(/expected '\)'/);
    expect(invalid(() => parseFilter("userName eq alice"))).toMatch(/expected a value/);
    expect(invalid(() => parseFilter("active gt true"))).toMatch(/boolean/);
    expect(invalid(() => parseFilter("userName co 3"))).toMatch(/string/);
    expect(invalid(() => parseFilter('emails[type eq "w" and x[y eq "z"]]'))).toMatch(/nest/);
    expect(invalid(() => parseFilter('a.b.c eq "x"'))).toMatch(/invalid attribute path/);
    expect(invalid(() => parseFilter('userName eq "x" ; drop table'))).toMatch(/unexpected character/);
    expect(invalid(() => parseFilter(`${"(".repeat(100)}a pr${")".repeat(100)}`))).toMatch(/nests deeper/);
    expect(invalid(() => parseFilter(`a eq "${"x".repeat(5000)}"`))).toMatch(/longer/);
  });

  test("filterAttributes names every attribute, value paths included", () => {
    expect(
      filterAttributes(parseFilter('userName eq "a" and emails[type eq "work"] or not (active pr)')),
    ).toEqual([
      { uri: null, key: "username" },
      { uri: null, key: "emails" },
      { uri: null, key: "emails.type" },
      { uri: null, key: "active" },
    ]);
  });
});

describe("SCIM PATCH paths (RFC 7644 §3.5.2)", () => {
  test("attribute, sub-attribute, value filter and a sub-attribute after it", () => {
    expect(parsePath("active")).toEqual({
      path: { uri: null, name: "active", sub: null },
      filter: null,
      valueSub: null,
    });
    expect(parsePath("name.givenName").path).toEqual({ uri: null, name: "name", sub: "givenName" });
    const members = parsePath('members[value eq "2819c223-7f76-453a-919d-413861904646"]');
    expect(members.path.name).toBe("members");
    expect(members.filter).toMatchObject({
      kind: "compare",
      op: "eq",
      value: "2819c223-7f76-453a-919d-413861904646",
    });
    expect(parsePath('emails[type eq "work"].value').valueSub).toBe("value");
    expect(parsePath('members[value eq "a]b"]').filter).toMatchObject({ value: "a]b" });
  });

  test("malformed paths", () => {
    invalid(() => parsePath(""));
    invalid(() => parsePath("members[]"));
    invalid(() => parsePath('members[value eq "x"'));
    invalid(() => parsePath('members[value eq "x"]value'));
    invalid(() => parsePath('name.givenName[value eq "x"]'));
  });
});
