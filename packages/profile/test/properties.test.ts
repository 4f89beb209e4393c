// Property-based tests: the rules hold for generated scopes and paths, not only the vectors.
import {
  COMPUTE_CAPABILITIES,
  formatScope,
  narrowScopes,
  normalisePath,
  parseScope,
  pathCovers,
  type Scope,
  STORAGE_CAPABILITIES,
  scopeImplies,
  selectGroups,
  splitScopeString,
} from "@tessera/profile";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

// Segments from a small alphabet so that generated paths often share prefixes, with dot
// segments, encoded dots and slashes and empty segments to exercise the resolution rules.
const segment = fc.constantFrom("a", "b", "ab", "c", ".", "..", "%2e", "%2e%2e", "a%2fb", "");
const cleanSegment = fc.stringMatching(/^[a-c][a-c0-9]{0,2}$/);
const path = fc.array(segment, { maxLength: 5 }).map((s) => `/${s.join("/")}`);
const normalisedPath = fc.array(cleanSegment, { maxLength: 4 }).map((s) => `/${s.join("/")}`);
const groupName = fc
  .array(fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,4}$/), { minLength: 1, maxLength: 3 })
  .map((s) => `/${s.join("/")}`);

const validScope: fc.Arbitrary<Scope> = fc.oneof(
  fc.record({
    kind: fc.constant("storage" as const),
    capability: fc.constantFrom(...STORAGE_CAPABILITIES),
    path: normalisedPath,
  }),
  fc.record({ kind: fc.constant("compute" as const), capability: fc.constantFrom(...COMPUTE_CAPABILITIES) }),
  fc.constant({ kind: "groups" as const }),
  groupName.map((group) => ({ kind: "groups" as const, group })),
  fc.constant({ kind: "profile" as const, version: "1.0" }),
  fc.constantFrom("openid", "offline_access", "profile", "read:tap", "x.y:z").map((name) => ({
    kind: "other" as const,
    name,
  })),
);
const scopeString = validScope.map(formatScope);

describe("scope grammar", () => {
  test("parse ∘ format is the identity on valid scopes", () => {
    fc.assert(
      fc.property(validScope, (scope) => {
        expect(parseScope(formatScope(scope))).toEqual({ ok: true, value: scope });
      }),
    );
  });

  test("parseScope never throws", () => {
    fc.assert(fc.property(fc.string(), (s) => typeof parseScope(s).ok === "boolean"));
  });

  test("splitScopeString yields non-empty, distinct items without whitespace", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const items = splitScopeString(s);
        expect(new Set(items).size).toBe(items.length);
        for (const item of items) expect(item).toMatch(/^\S+$/);
      }),
    );
  });
});

describe("pathCovers", () => {
  test("is reflexive", () => {
    fc.assert(fc.property(path, (p) => pathCovers(p, p)));
  });

  test("broken percent-encoding is covered by nothing, not even itself (fail closed)", () => {
    expect(pathCovers("/%", "/%")).toBe(false);
  });

  test("is transitive on normalised paths", () => {
    fc.assert(
      fc.property(normalisedPath, normalisedPath, normalisedPath, (a, b, c) => {
        fc.pre(pathCovers(a, b) && pathCovers(b, c));
        expect(pathCovers(a, c)).toBe(true);
      }),
    );
  });

  test("a parent covers every extension by whole segments", () => {
    fc.assert(
      fc.property(normalisedPath, fc.array(cleanSegment, { maxLength: 3 }), (p, rest) => {
        const child = rest.length === 0 ? p : `${p === "/" ? "" : p}/${rest.join("/")}`;
        expect(pathCovers(p, child)).toBe(true);
      }),
    );
  });

  test("never covers a sibling with a common string prefix", () => {
    fc.assert(
      fc.property(normalisedPath, cleanSegment, cleanSegment, (parent, name, suffix) => {
        const base = `${parent === "/" ? "" : parent}/${name}`;
        expect(pathCovers(base, `${base}${suffix}`)).toBe(false);
        expect(pathCovers(base, `${base}${suffix}/x`)).toBe(false);
      }),
    );
  });

  test("coverage is decided on the resolved path", () => {
    fc.assert(
      fc.property(path, path, (granted, requested) => {
        const g = normalisePath(granted);
        const r = normalisePath(requested);
        fc.pre(g !== null && r !== null);
        expect(pathCovers(granted, requested)).toBe(pathCovers(g, r));
      }),
    );
  });

  test("climbing out with .. is never covered by a deeper grant", () => {
    fc.assert(
      fc.property(normalisedPath, cleanSegment, (p, name) => {
        const granted = `${p === "/" ? "" : p}/${name}`;
        expect(pathCovers(granted, `${granted}/../x${name}`)).toBe(false);
        expect(pathCovers(granted, `${granted}/%2e%2e/x${name}`)).toBe(false);
      }),
    );
  });
});

describe("scope narrowing", () => {
  const scopes = fc.uniqueArray(scopeString, { maxLength: 6 });

  test("never grants a scope no allowed scope implies", () => {
    fc.assert(
      fc.property(scopes, scopes, (requested, allowed) => {
        for (const g of narrowScopes(requested, allowed)) {
          expect(allowed.some((a) => scopeImplies(a, g))).toBe(true);
        }
      }),
    );
  });

  test("grants only requested scopes, in request order", () => {
    fc.assert(
      fc.property(scopes, scopes, (requested, allowed) => {
        const granted = narrowScopes(requested, allowed);
        const positions = granted.map((g) => requested.indexOf(g));
        expect(positions.every((i) => i >= 0)).toBe(true);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      }),
    );
  });

  test("is idempotent", () => {
    fc.assert(
      fc.property(scopes, scopes, (requested, allowed) => {
        const once = narrowScopes(requested, allowed);
        expect(narrowScopes(once, allowed)).toEqual(once);
      }),
    );
  });

  test("allowing everything requested grants everything requested", () => {
    fc.assert(
      fc.property(scopes, (requested) => {
        expect(narrowScopes(requested, requested)).toEqual(requested);
      }),
    );
  });
});

describe("group selection", () => {
  const memberships = fc.uniqueArray(fc.record({ group: groupName, optional: fc.boolean() }), {
    selector: (m) => m.group,
    maxLength: 5,
  });
  const requests = fc.array(
    fc.oneof(
      fc.constant("wlcg.groups"),
      groupName.map((g) => `wlcg.groups:${g}`),
      fc.constantFrom("openid", "profile"),
    ),
    { maxLength: 6 },
  );

  test("no duplicates, only member groups, optional ones only when asked for", () => {
    fc.assert(
      fc.property(requests, memberships, (requested, members) => {
        const claim = selectGroups(requested, members);
        if (claim === null) {
          expect(requested.some((s) => s.startsWith("wlcg.groups"))).toBe(false);
          return;
        }
        expect(new Set(claim).size).toBe(claim.length);
        for (const g of claim) {
          const m = members.find((x) => x.group === g);
          expect(m).toBeDefined();
          if (m?.optional) expect(requested).toContain(`wlcg.groups:${g}`);
        }
        // The implied bare wlcg.groups at the end means every default group is present.
        for (const m of members) if (!m.optional) expect(claim).toContain(m.group);
      }),
    );
  });
});
