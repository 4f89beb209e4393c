import { PROFILE_VERSION } from "@tessera/profile";
import { expect, test } from "vitest";

test("resolves workspace source", () => {
  expect(PROFILE_VERSION).toBe("1.0");
});
