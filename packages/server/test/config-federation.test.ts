import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config/load.js";

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "tessera-config-")), "tessera.yaml");
  writeFileSync(file, text);
  return file;
}

function problems(text: string): readonly string[] {
  try {
    loadConfig({}, yamlFile(text));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

test("federation.providers is read from the YAML file with its defaults", () => {
  const file = yamlFile(`federation:
  providers:
    - {id: cilogon, name: CILogon, issuer: "https://cilogon.org/", clientId: c, clientSecret: s}
    - {id: github, type: github, clientId: g, clientSecret: h, organisations: [lsst-sqre], trusted: true, defaultGroups: [/rubin]}
`);
  const config = loadConfig({}, file);
  expect(config.federation.providers).toEqual([
    {
      type: "oidc",
      id: "cilogon",
      name: "CILogon",
      issuer: "https://cilogon.org",
      clientId: "c",
      clientSecret: "s",
      scopes: ["openid", "profile", "email"],
      trusted: false,
      defaultGroups: [],
    },
    {
      type: "github",
      id: "github",
      name: "GitHub",
      clientId: "g",
      clientSecret: "h",
      organisations: ["lsst-sqre"],
      trusted: true,
      defaultGroups: ["/rubin"],
      authorizeUrl: "https://github.com/login/oauth/authorize",
      tokenUrl: "https://github.com/login/oauth/access_token",
      apiBaseUrl: "https://api.github.com",
    },
  ]);
  expect(loadConfig({}).federation.providers).toEqual([]);
});

test("each field is checked, naming the entry and never showing the secret", () => {
  const found = problems(`federation:
  providers:
    - {id: "Bad Id", name: X, issuer: "http://idp.example.org", clientId: c, clientSecret: 7, trusted: "yes", defaultGroups: [cms], scopes: [profile], extra: 1}
    - {id: dup, name: A, issuer: "https://a.example", clientId: c, clientSecret: s}
    - {id: dup, name: B, issuer: "https://b.example", clientId: c, clientSecret: s}
    - just a string
`);
  const where = (field: string) =>
    found.find((p) => p.startsWith(`federation.providers[0] (in `) && p.includes(`.${field}:`));
  expect(where("id")).toContain("1-32 of a-z 0-9");
  expect(where("issuer")).toContain("an https URL (http only on loopback)");
  expect(where("clientSecret")).toContain("got the given value");
  expect(where("trusted")).toContain("true or false");
  expect(where("defaultGroups")).toContain("group names such as /cms");
  expect(where("scopes")).toContain("includes openid");
  expect(where("extra")).toContain("unknown field");
  expect(
    found.some((p) => p.startsWith("federation.providers[2]") && p.includes("duplicate provider id")),
  ).toBe(true);
  expect(found.some((p) => p.startsWith("federation.providers[3]") && p.includes("expected a mapping"))).toBe(
    true,
  );
  expect(problems("federation:\n  providers: {id: x}\n")).toContainEqual(
    expect.stringContaining("expected a list of providers"),
  );
});
