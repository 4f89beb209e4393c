import { describe, expect, test } from "vitest";
import {
  generateUserCode,
  normaliseUserCode,
  USER_CODE_ALPHABET,
  USER_CODE_LENGTH,
} from "../../src/protocol/user-code.js";

describe("USER_CODE_ALPHABET (RFC 8628 §6.1)", () => {
  test("20 distinct upper-case consonants: no vowels (no words), no digits, no Y", () => {
    expect(USER_CODE_ALPHABET).toHaveLength(20);
    expect(new Set(USER_CODE_ALPHABET).size).toBe(20);
    expect(USER_CODE_ALPHABET).toMatch(/^[B-DF-HJ-NP-TV-XZ]+$/);
    expect(USER_CODE_ALPHABET).not.toMatch(/[AEIOUY0-9]/);
  });

  test("8 characters give about 2^34.6 codes", () => {
    expect(Math.log2(USER_CODE_ALPHABET.length ** USER_CODE_LENGTH)).toBeCloseTo(34.58, 1);
  });
});

describe("generateUserCode", () => {
  test("is shown as XXXX-XXXX from the alphabet", () => {
    for (let i = 0; i < 200; i++) {
      expect(generateUserCode()).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    }
  });

  test("round-trips through normaliseUserCode", () => {
    const code = generateUserCode();
    expect(normaliseUserCode(code)).toBe(code.replace("-", ""));
  });

  test("does not repeat in practice", () => {
    const codes = new Set(Array.from({ length: 5000 }, generateUserCode));
    expect(codes.size).toBe(5000);
  });

  test("characters are uniform overall and at every position (chi-square, loose bound)", () => {
    const samples = 12_000;
    const k = USER_CODE_ALPHABET.length;
    const total = new Array<number>(k).fill(0);
    const byPosition = Array.from({ length: USER_CODE_LENGTH }, () => new Array<number>(k).fill(0));
    for (let i = 0; i < samples; i++) {
      const code = generateUserCode().replace("-", "");
      for (let p = 0; p < USER_CODE_LENGTH; p++) {
        const index = USER_CODE_ALPHABET.indexOf(code[p] ?? "");
        total[index] = (total[index] ?? 0) + 1;
        const row = byPosition[p] ?? [];
        row[index] = (row[index] ?? 0) + 1;
      }
    }
    const chiSquare = (counts: number[], n: number) =>
      counts.reduce((sum, observed) => sum + (observed - n / k) ** 2 / (n / k), 0);
    // 19 degrees of freedom: the 99.9999th percentile is about 60; a biased generator (e.g. a
    // modulo of a byte, 256 % 20 = 16 letters over-represented) scores about 110 overall.
    expect(chiSquare(total, samples * USER_CODE_LENGTH)).toBeLessThan(70);
    for (const row of byPosition) expect(chiSquare(row, samples)).toBeLessThan(70);
  });
});

describe("normaliseUserCode", () => {
  test.each([
    ["BCDF-GHJK", "BCDFGHJK"],
    ["bcdf-ghjk", "BCDFGHJK"],
    ["BcDf GhJk", "BCDFGHJK"],
    [" bcdfghjk ", "BCDFGHJK"],
    ["B-C-D-F-G-H-J-K", "BCDFGHJK"],
    ["bcdf--ghjk", "BCDFGHJK"],
    ["bcdf\tghjk", "BCDFGHJK"],
    ["ZZZZ-ZZZZ", "ZZZZZZZZ"],
  ])("%j → %s", (input, expected) => {
    expect(normaliseUserCode(input)).toBe(expected);
  });

  test.each([
    ["empty", ""],
    ["only separators", " - - "],
    ["too short", "BCDF-GHJ"],
    ["too long", "BCDF-GHJKL"],
    ["vowel", "BCDF-GHJA"],
    ["Y", "BCDF-GHJY"],
    ["digit zero", "BCDF-GHJ0"],
    ["digit one", "BCDF-GHJ1"],
    ["other punctuation", "BCDF_GHJK"],
    ["dot", "BCDF.GHJK"],
    ["sharp s upper-cases to SS", "bcdfghß"],
    ["dotless i upper-cases to I", "bcdfghjı"],
    ["long s upper-cases to S", "bcdfghjſ"],
    ["fullwidth letters", "ＢＣＤＦＧＨＪＫ"],
    ["non-breaking space", "BCDF\u00a0GHJK"],
    ["zero-width space", "BCDF\u200bGHJK"],
    ["NUL", "BCDF\u0000GHJK"],
    ["huge input", `${" ".repeat(10_000)}BCDFGHJK`],
  ])("%s is not a user code", (_why, input) => {
    expect(normaliseUserCode(input)).toBeNull();
  });
});
