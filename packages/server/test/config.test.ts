import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config/load.js";

function problemsOf(env: Record<string, string>, file?: string): string[] {
  try {
    loadConfig(env, file);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "tessera-config-")), "tessera.yaml");
  writeFileSync(file, text);
  return file;
}

describe("configuration", () => {
  test("defaults work on a laptop and follow the WLCG recommended lifetimes", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      issuer: "http://localhost:8080",
      host: "127.0.0.1",
      port: 8080,
      dataDir: "./data",
      databaseUrl: undefined,
      keys: { algorithm: "RS256", rotationInterval: 182 * 86_400, prepublish: 3600 },
      tokens: { accessTokenLifetime: 1200, idTokenLifetime: 1200, refreshTokenLifetime: 864_000 },
      login: { accountFailureLimit: 5, lockoutBase: 30, lockoutMax: 900 },
    });
  });

  test("the default issuer follows the port", () => {
    expect(loadConfig({ TESSERA_PORT: "9000" }).issuer).toBe("http://localhost:9000");
  });

  test("environment variables win over the YAML file", () => {
    const file = yamlFile(
      "issuer: https://iam.example.org/\nport: 9443\ntokens:\n  accessTokenLifetime: 30m\nkeys:\n  algorithm: ES256\n",
    );
    const config = loadConfig({ TESSERA_PORT: "9444" }, file);
    expect(config.issuer).toBe("https://iam.example.org");
    expect(config.port).toBe(9444);
    expect(config.tokens.accessTokenLifetime).toBe(1800);
    expect(config.keys.algorithm).toBe("ES256");
  });

  test("TESSERA_CONFIG names the file", () => {
    const file = yamlFile("port: 7000\n");
    expect(loadConfig({ TESSERA_CONFIG: file }).port).toBe(7000);
  });

  test("every wrong value is reported at once, naming the key and what was expected", () => {
    const problems = problemsOf({
      TESSERA_ISSUER: "ftp://x",
      TESSERA_PORT: "99999",
      TESSERA_DATABASE_URL: "mysql://db",
      TESSERA_KEY_ALGORITHM: "HS256",
      TESSERA_ACCESS_TOKEN_LIFETIME: "7h",
      TESSERA_REFRESH_TOKEN_LIFETIME: "forever",
      TESSERA_TRUST_PROXY: "maybe",
      TESSERA_KEY_ENCRYPTION_KEY: "short",
      TESSERA_ADMIN_PASSWORD: "short",
      TESSERA_TYPO: "1",
    });
    expect(problems).toEqual([
      "TESSERA_TYPO (environment): unknown variable",
      'TESSERA_ISSUER (environment): expected a URL starting with http: or https:, got "ftp://x"',
      'TESSERA_PORT (environment): expected an integer from 0 to 65535, got "99999"',
      "TESSERA_DATABASE_URL (environment): expected a URL starting with postgres: or postgresql:, got the given value",
      'TESSERA_TRUST_PROXY (environment): expected false, a number of proxy hops, or a comma-separated list of proxy addresses/CIDRs, got "maybe"',
      "TESSERA_ADMIN_PASSWORD (environment): expected at least 12 characters, got the given value",
      'TESSERA_KEY_ALGORITHM (environment): expected one of RS256, ES256, got "HS256"',
      "TESSERA_KEY_ENCRYPTION_KEY (environment): expected 32 bytes, base64url without padding (43 characters), got the given value",
      'TESSERA_ACCESS_TOKEN_LIFETIME (environment): expected a duration from 5m to 6h, got "7h"',
      'TESSERA_REFRESH_TOKEN_LIFETIME (environment): expected a duration such as 1200, 20m, 6h or 10d, from 1d to 30d, got "forever"',
    ]);
  });

  test("secrets are never echoed in messages", () => {
    const problems = problemsOf({ TESSERA_BOOTSTRAP_TOKEN: "hunter2-secret" });
    expect(problems.join("\n")).not.toContain("hunter2");
  });

  test("problems in the file name the YAML key", () => {
    const file = yamlFile("port: -1\nsession:\n  lifetime: 1s\nlogins: {}\nunknown: 1\n");
    const problems = problemsOf({}, file);
    expect(problems).toContain(`unknown (in ${file}): unknown option`);
    expect(problems).toContain(`port (in ${file}): expected an integer from 0 to 65535, got -1`);
    expect(problems).toContain(`session.lifetime (in ${file}): expected a duration from 5m to 30d, got "1s"`);
  });

  test("an unreadable or malformed file is a clear error", () => {
    expect(problemsOf({}, "/nonexistent/tessera.yaml")).toEqual([
      "TESSERA_CONFIG: cannot read /nonexistent/tessera.yaml (ENOENT)",
    ]);
    const broken = yamlFile("port: [1, 2\n");
    expect(problemsOf({}, broken)[0]).toMatch(/not valid YAML/);
    expect(problemsOf({}, yamlFile("- a list\n"))[0]).toMatch(/expected a mapping/);
  });

  test("issuers with query, fragment or credentials are refused", () => {
    expect(problemsOf({ TESSERA_ISSUER: "https://iam.example.org/?x=1" })).toHaveLength(1);
    expect(problemsOf({ TESSERA_ISSUER: "https://user@iam.example.org" })).toHaveLength(1);
  });
});

test("docs/config.md is generated from the option table and up to date", async () => {
  const { readFileSync } = await import("node:fs");
  const { OPTIONS } = await import("../src/config/schema.js");
  const doc = readFileSync(new URL("../../../docs/config.md", import.meta.url), "utf8");
  for (const option of OPTIONS) {
    expect(doc, `${option.env} missing: run npm run docs:config`).toContain(
      `| \`${option.path}\` | \`${option.env}\` |`,
    );
    expect(doc).toContain(option.doc.replace(/\|/g, "\\|"));
  }
});
