// Runs every profile case of the shared WLCG vectors (DESIGN §3). Cases are never skipped:
// a vector that disagrees with the code is either a bug here or a bug to report.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  narrowScopes,
  parseScope,
  pathCovers,
  type Scope,
  scopeImplies,
  selectGroups,
  splitScopeString,
} from "@tessera/profile";
import { describe, expect, test } from "vitest";

type Vectors = {
  scopeParse: ({ in: string; out: Scope } | { in: string; error: string })[];
  pathCovers: { granted: string; requested: string; covers: boolean }[];
  implies: { held: string; required: string; allowed: boolean }[];
  groupSelection: {
    memberships: { group: string; optional: boolean }[];
    cases: { scope: string; claim: string[] | null }[];
  };
  policyNarrowing: { allowed: string[]; cases: { requested: string; granted: string }[] };
};

const vectorFile = fileURLToPath(new URL("../../../../shared/vectors/wlcg-profile.json", import.meta.url));
const vectors = JSON.parse(readFileSync(vectorFile, "utf8")) as Vectors;

test("the vector file is found and not empty", () => {
  expect(existsSync(vectorFile)).toBe(true);
  expect(vectors.scopeParse.length).toBeGreaterThan(0);
  expect(vectors.pathCovers.length).toBeGreaterThan(0);
  expect(vectors.implies.length).toBeGreaterThan(0);
  expect(vectors.groupSelection.cases.length).toBeGreaterThan(0);
  expect(vectors.policyNarrowing.cases.length).toBeGreaterThan(0);
});

describe("scopeParse", () => {
  test.each(vectors.scopeParse)("$in", (vector) => {
    const result = parseScope(vector.in);
    if ("out" in vector) {
      expect(result).toEqual({ ok: true, value: vector.out });
    } else {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe("invalid_scope");
      // The vector's wording of the reason appears in our message, so errors stay explainable.
      expect(result.error.message.toLowerCase()).toContain(vector.error.toLowerCase());
    }
  });
});

describe("pathCovers", () => {
  test.each(vectors.pathCovers)("$granted covers $requested: $covers", ({ granted, requested, covers }) => {
    expect(pathCovers(granted, requested)).toBe(covers);
  });
});

describe("implies", () => {
  test.each(vectors.implies)("$held implies $required: $allowed", ({ held, required, allowed }) => {
    expect(scopeImplies(held, required)).toBe(allowed);
  });
});

describe("groupSelection", () => {
  const { memberships, cases } = vectors.groupSelection;
  test.each(cases)("$scope", ({ scope, claim }) => {
    expect(selectGroups(splitScopeString(scope), memberships)).toEqual(claim);
  });
});

describe("policyNarrowing", () => {
  const { allowed, cases } = vectors.policyNarrowing;
  test.each(cases)("$requested", ({ requested, granted }) => {
    expect(narrowScopes(splitScopeString(requested), allowed).join(" ")).toBe(granted);
  });
});
