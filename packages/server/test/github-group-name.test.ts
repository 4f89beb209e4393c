import { expect, test } from "vitest";
import { githubTeamGroupName } from "../src/domain/federation/github-group-name.js";

// Expected values computed independently with Python, the way Gafaelfawr does it:
// name[:25] + "-" + base64.urlsafe_b64encode(sha256(name)).decode()[:6]
test("short names are <org>-<team>, the organisation lower-cased", () => {
  expect(githubTeamGroupName("LSST-SQRE", "friends")).toBe("lsst-sqre-friends");
  expect(githubTeamGroupName("a", "b".repeat(30))).toBe(`a-${"b".repeat(30)}`); // exactly 32
});

test("names longer than 32 characters are cut to 25 plus a dash and six characters of hash", () => {
  expect(githubTeamGroupName("lsst-sqre", "a-very-long-team-name-for-testing")).toBe(
    "lsst-sqre-a-very-long-tea-VNQp2Q",
  );
  expect(githubTeamGroupName("rubin-observatory", "science-platform-users")).toBe(
    "rubin-observatory-science-PAttmR",
  );
  expect(githubTeamGroupName("rubin-observatory", "science-platform-users")).toHaveLength(32);
});
