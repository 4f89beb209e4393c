import {
  checkGroupName,
  checkLifetime,
  checkProfileVersion,
  checkSubject,
  clampLifetime,
  DEFAULT_AUDIENCE,
  describeSeconds,
  isValidGroupName,
  isValidSubject,
  LIFETIMES,
  PROFILE_VERSION,
  PROFILE_VERSION_PATTERN,
  WLCG_GROUPS_CLAIM,
  WLCG_VER_CLAIM,
} from "@tessera/profile";
import { describe, expect, test } from "vitest";

test("claim names and fixed values", () => {
  expect(WLCG_VER_CLAIM).toBe("wlcg.ver");
  expect(WLCG_GROUPS_CLAIM).toBe("wlcg.groups");
  expect(DEFAULT_AUDIENCE).toBe("https://wlcg.cern.ch/jwt/v1/any");
  expect(PROFILE_VERSION).toBe("1.0");
  expect(PROFILE_VERSION_PATTERN.test("12.34")).toBe(true);
  expect(PROFILE_VERSION_PATTERN.test("1.0\n")).toBe(false);
});

test("checkProfileVersion", () => {
  expect(checkProfileVersion("1.0")).toBeNull();
  expect(checkProfileVersion("2.0")).toContain("unknown profile version");
  expect(checkProfileVersion("1")).toContain("malformed");
  expect(checkProfileVersion(1.0)).toContain("string");
});

describe("lifetimes (DESIGN §3)", () => {
  test("the table, in seconds", () => {
    expect(LIFETIMES.accessToken).toEqual({ recommended: 1200, min: 300, max: 21600 });
    expect(LIFETIMES.idToken).toEqual({ recommended: 1200, min: 300, max: 21600 });
    expect(LIFETIMES.refreshToken).toEqual({ recommended: 864000, min: 86400, max: 2592000 });
    expect(LIFETIMES.verifierKeyCache).toEqual({ recommended: 21600, min: 3600, max: 86400 });
    expect(LIFETIMES.signingKey).toEqual({ recommended: 15768000, min: 172800, max: 31536000 });
  });

  test("recommended values lie within their bounds", () => {
    for (const { recommended, min, max } of Object.values(LIFETIMES)) {
      expect(recommended).toBeGreaterThanOrEqual(min);
      expect(recommended).toBeLessThanOrEqual(max);
    }
  });

  test("checkLifetime names the bound it breaks", () => {
    expect(checkLifetime("accessToken", 1200)).toBeNull();
    expect(checkLifetime("accessToken", 300)).toBeNull();
    expect(checkLifetime("accessToken", 21600)).toBeNull();
    expect(checkLifetime("accessToken", 60)).toBe(
      "access token lifetime 60 s is below the WLCG minimum of 5 min (300 s)",
    );
    expect(checkLifetime("refreshToken", 31 * 86400)).toBe(
      "refresh token lifetime 2678400 s is above the WLCG maximum of 30 d (2592000 s)",
    );
    expect(checkLifetime("verifierKeyCache", 1.5)).toContain("whole number");
    expect(checkLifetime("signingKey", Number.NaN)).toContain("whole number");
  });

  test("clampLifetime", () => {
    expect(clampLifetime("accessToken", 10)).toBe(300);
    expect(clampLifetime("accessToken", 1e9)).toBe(21600);
    expect(clampLifetime("accessToken", 600)).toBe(600);
  });

  test("describeSeconds", () => {
    expect(describeSeconds(21600)).toBe("6 h");
    expect(describeSeconds(15768000)).toBe("4380 h");
    expect(describeSeconds(59)).toBe("59 s");
  });
});

describe("sub", () => {
  test("up to 255 printable ASCII characters", () => {
    expect(isValidSubject("a".repeat(255))).toBe(true);
    expect(checkSubject("a".repeat(256))).toContain("maximum of 255");
    expect(isValidSubject("")).toBe(false);
    expect(isValidSubject("é")).toBe(false);
    expect(isValidSubject("a\nb")).toBe(false);
    expect(isValidSubject(42)).toBe(false);
  });
});

describe("group names", () => {
  test("grammar", () => {
    for (const good of ["/cms", "/cms/uscms", "/a_b/c-d.e", "/0"])
      expect(isValidGroupName(good), good).toBe(true);
    for (const bad of ["", "cms", "/", "/cms/", "//cms", "/-x", "/cms/..", "/a b", "/ä"]) {
      expect(isValidGroupName(bad), bad).toBe(false);
      expect(checkGroupName(bad), bad).not.toBeNull();
    }
  });

  test("reasons", () => {
    expect(checkGroupName("/a b")).toContain("may contain only");
    expect(checkGroupName("/.x")).toContain("must start with a letter or digit");
  });
});
