import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { parseDurationSeconds } from "./duration.js";
import { type FederationProviderConfig, parseFederationProviders } from "./federation.js";
import { GATEWAY_FILE_KEYS, type GatewayFileOptions, parseGatewayOptions } from "./gateway.js";
import { OPTIONS, type OptionSpec } from "./schema.js";

export interface Config {
  issuer: string;
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePreparedStatements: boolean;
  trustProxy: boolean | number | string[];
  logLevel: string;
  bootstrap: {
    token: string | undefined;
    adminUsername: string;
    adminPassword: string | undefined;
    adminEmail: string;
  };
  keys: {
    algorithm: "RS256" | "ES256";
    encryptionKey: string | undefined;
    rotationInterval: number;
    prepublish: number;
    reloadInterval: number;
  };
  tokens: { accessTokenLifetime: number; idTokenLifetime: number; refreshTokenLifetime: number };
  session: { lifetime: number; idleTimeout: number };
  organisationName: string;
  device: { codeLifetime: number; pollInterval: number };
  authorizationCodeLifetime: number;
  login: {
    accountFailureLimit: number;
    ipFailureLimit: number;
    lockoutBase: number;
    lockoutMax: number;
    requireTotp: "never" | "admins" | "all";
  };
  rateLimits: {
    window: number;
    oauthPerIp: number;
    oauthPerClient: number;
    registerPerIp: number;
    formsPerIp: number;
  };
  registration: { open: boolean; allowedScopes: string; tokenLifetime: number; unusedClientLifetime: number };
  signup: { mode: "moderated" | "closed" };
  mail: { smtpUrl: string | undefined; from: string };
  /** Upstream identity providers: a list, so from the YAML file only (see federation.ts). */
  federation: { providers: FederationProviderConfig[] };
  /** The token gateway (`GET /auth`); its lists and maps come from the YAML file only (gateway.ts). */
  gateway: GatewayFileOptions & { auditDecisions: boolean; port: number | undefined };
  /** Housekeeping: how often expired rows are deleted, and how long history is kept (seconds). */
  maintenance: { interval: number; auditRetention: number };
}

/** Every problem found, each naming the key, where it came from and what was expected. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

type Source = { value: unknown; origin: string };

/**
 * Builds the configuration from an optional YAML file and `TESSERA_*` variables (the
 * environment wins). `TESSERA_CONFIG` names the file. All problems are reported at once.
 */
export function loadConfig(env: NodeJS.ProcessEnv, file = env.TESSERA_CONFIG): Config {
  const problems: string[] = [];
  const fromFile = file ? readYamlFile(file, problems) : {};
  const known = new Set([...OPTIONS.map((o) => o.path), "federation.providers", ...GATEWAY_FILE_KEYS]);
  for (const key of flattenKeys(fromFile)) {
    if (!known.has(key) && !key.startsWith("gateway.groupScopes."))
      problems.push(`${key} (in ${file}): unknown option`);
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith("TESSERA_") && !KNOWN_ENV.has(name)) {
      problems.push(`${name} (environment): unknown variable`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const option of OPTIONS) {
    const source = pick(option, env, fromFile, file);
    const value = source ? coerce(option, source, problems) : option.default;
    setPath(
      out,
      option.path,
      typeof value === "string" && option.type.kind === "duration" ? parseDurationSeconds(value) : value,
    );
  }
  const federation = fromFile.federation as Record<string, unknown> | undefined;
  out.federation = { providers: parseFederationProviders(federation?.providers, file, problems) };
  const issuerForGateway =
    pick(issuerOption, env, fromFile, file) !== undefined
      ? String(out.issuer).replace(/\/+$/, "")
      : `http://localhost:${String(out.port)}`;
  Object.assign(
    out.gateway as object,
    parseGatewayOptions(fromFile.gateway, issuerForGateway, file, problems),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  const config = out as unknown as Config;
  config.trustProxy = parseTrustProxy(String(config.trustProxy));
  // With no issuer configured, a laptop run on another port still links to itself.
  const issuerGiven = pick(issuerOption, env, fromFile, file) !== undefined;
  config.issuer = issuerGiven ? config.issuer.replace(/\/+$/, "") : `http://localhost:${config.port}`;
  return config;
}

const issuerOption = OPTIONS.find((o) => o.path === "issuer") as OptionSpec;

const KNOWN_ENV = new Set<string>([
  ...OPTIONS.map((o) => o.env),
  "TESSERA_CONFIG",
  // Read by the test harness and the CLI, not by the server.
  "TESSERA_TEST_DATABASE_URL",
  "TESSERA_PASSPHRASE",
  "TESSERA_DEBUG",
]);

function readYamlFile(file: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    problems.push(
      `TESSERA_CONFIG: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
    return {};
  }
  try {
    const parsed: unknown = parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== "object" || Array.isArray(parsed)) {
      problems.push(`${file}: expected a mapping of options at the top level`);
      return {};
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    problems.push(`${file}: not valid YAML (${(error as Error).message.split("\n")[0]})`);
    return {};
  }
}

function flattenKeys(object: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(object).flatMap(([key, value]) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? flattenKeys(value as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

function pick(
  option: OptionSpec,
  env: NodeJS.ProcessEnv,
  file: Record<string, unknown>,
  fileName?: string,
): Source | undefined {
  const fromEnv = env[option.env];
  if (fromEnv !== undefined && fromEnv !== "")
    return { value: fromEnv, origin: `${option.env} (environment)` };
  let node: unknown = file;
  for (const part of option.path.split(".")) {
    node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node === undefined || node === null
    ? undefined
    : { value: node, origin: `${option.path} (in ${fileName})` };
}

function coerce(option: OptionSpec, { value, origin }: Source, problems: string[]): unknown {
  const type = option.type;
  const shown = option.secret ? "the given value" : JSON.stringify(value);
  const fail = (expected: string) => {
    problems.push(`${origin}: expected ${expected}, got ${shown}`);
    return undefined;
  };
  switch (type.kind) {
    case "string": {
      if (typeof value !== "string" && typeof value !== "number") return fail("a string");
      const text = String(value);
      if (type.pattern && !type.pattern.test(text))
        return fail(type.patternHint ?? `a value matching ${type.pattern}`);
      return text;
    }
    case "url": {
      if (typeof value !== "string") return fail(`a URL (${type.protocols.join(" or ")})`);
      try {
        const url = new URL(value);
        if (!type.protocols.includes(url.protocol))
          return fail(`a URL starting with ${type.protocols.join(" or ")}`);
        if (option.path === "issuer" && (url.search || url.hash || url.username)) {
          return fail("an issuer URL without query, fragment or credentials");
        }
        return value;
      } catch {
        return fail(`a URL (${type.protocols.join(" or ")})`);
      }
    }
    case "port":
    case "int": {
      const n =
        typeof value === "number" ? value : /^\d+$/.test(String(value).trim()) ? Number(value) : Number.NaN;
      const [min, max] = type.kind === "port" ? [0, 65_535] : [type.min, type.max];
      if (!Number.isInteger(n) || n < min || n > max) return fail(`an integer from ${min} to ${max}`);
      return n;
    }
    case "duration": {
      const seconds = parseDurationSeconds(value);
      const range = `from ${humanDuration(type.min)} to ${humanDuration(type.max)}`;
      if (seconds === undefined) return fail(`a duration such as 1200, 20m, 6h or 10d, ${range}`);
      if (seconds < type.min || seconds > type.max) return fail(`a duration ${range}`);
      return seconds;
    }
    case "enum":
      if (typeof value !== "string" || !type.values.includes(value))
        return fail(`one of ${type.values.join(", ")}`);
      return value;
    case "boolean":
      if (typeof value === "boolean") return value;
      if (["true", "1", "yes"].includes(String(value).toLowerCase())) return true;
      if (["false", "0", "no"].includes(String(value).toLowerCase())) return false;
      return fail("true or false");
  }
}

export function humanDuration(seconds: number): string {
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
  ] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** `false`, `true`, a hop count, or a list of proxy addresses/CIDRs: the forms Fastify accepts. */
function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === "false" || value === "0") return false;
  if (value === "true") return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(",").map((part) => part.trim());
}
