import { chmod, mkdir, readdir, readFile, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-write.js";
import { CliError } from "../errors.js";
import { type AccountEntry, sealingContext } from "./account-entry.js";
import { openSecret, sealSecret } from "./sealed-secret.js";

const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `$XDG_CONFIG_HOME/tessera`, else `~/.config/tessera`. */
export function cacheDirectory(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : join(homedir, ".config");
  return join(base, "tessera");
}

/** A default account name for an issuer: its host, port and path, e.g. `iam.example.org` or `localhost_8080`. */
export function accountNameForIssuer(issuer: string): string {
  const url = new URL(issuer);
  const name = `${url.hostname}${url.port ? `_${url.port}` : ""}${url.pathname.replace(/\/+$/, "")}`;
  return name.replace(/[^A-Za-z0-9._-]+/g, "_");
}

export interface TokenCache {
  readonly directory: string;
  fileFor(account: string): string;
  read(account: string): Promise<AccountEntry | undefined>;
  write(entry: AccountEntry): Promise<void>;
  remove(account: string): Promise<boolean>;
  list(): Promise<string[]>;
  getDefault(): Promise<string | undefined>;
  setDefault(account: string | undefined): Promise<void>;
}

/**
 * The token cache: one JSON file per account in `<dir>/accounts/` (mode 0600, written
 * atomically), a `config.json` naming the default account; the directories are mode 0700.
 */
export function createTokenCache(directory: string): TokenCache {
  const accountsDir = join(directory, "accounts");
  const configFile = join(directory, "config.json");

  const ensureDirs = async () => {
    await mkdir(accountsDir, { recursive: true, mode: 0o700 });
    await chmod(directory, 0o700);
    await chmod(accountsDir, 0o700);
  };
  const fileFor = (account: string) => {
    if (!ACCOUNT_NAME.test(account)) {
      throw new CliError(`invalid account name "${account}" (letters, digits, '.', '_' and '-' only)`);
    }
    return join(accountsDir, `${account}.json`);
  };
  const readJson = async (file: string): Promise<unknown> => {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new CliError(`the cache file ${file} is not valid JSON; remove it and log in again`);
    }
  };

  return {
    directory,
    fileFor,
    async read(account) {
      const file = fileFor(account);
      const entry = (await readJson(file)) as AccountEntry | undefined;
      if (entry === undefined) return undefined;
      if (entry.version !== 1) throw new CliError(`the cache file ${file} has an unknown version`);
      const mode = (await stat(file)).mode & 0o077;
      if (mode !== 0)
        throw new CliError(`the cache file ${file} is readable by others; run: chmod 600 ${file}`);
      entry.scopedTokens ??= {};
      return entry;
    },
    async write(entry) {
      await ensureDirs();
      await writeFileAtomic(fileFor(entry.account), `${JSON.stringify(entry, null, 2)}\n`, 0o600);
    },
    async remove(account) {
      try {
        await unlink(fileFor(account));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw error;
      }
    },
    async list() {
      try {
        const names = await readdir(accountsDir);
        return names.filter((n) => n.endsWith(".json") && !n.startsWith(".")).map((n) => n.slice(0, -5));
      } catch {
        return [];
      }
    },
    async getDefault() {
      const config = (await readJson(configFile)) as { default?: unknown } | undefined;
      return typeof config?.default === "string" ? config.default : undefined;
    },
    async setDefault(account) {
      await ensureDirs();
      const content = account === undefined ? {} : { default: account };
      await writeFileAtomic(configFile, `${JSON.stringify(content, null, 2)}\n`, 0o600);
    },
  };
}

/**
 * Stores a refresh token in the entry, sealed with the passphrase when one is given, with its
 * expiry when the token response stated one (`refresh_expires_in`, seconds from `nowMs`).
 */
export async function storeRefreshToken(
  entry: AccountEntry,
  token: string,
  passphrase: string | undefined,
  expiry?: { expiresIn: unknown; nowMs: number },
): Promise<void> {
  entry.refreshToken = passphrase
    ? { sealed: await sealSecret(token, passphrase, sealingContext(entry)) }
    : { token };
  delete entry.refreshTokenExpiresAt;
  if (expiry && typeof expiry.expiresIn === "number" && expiry.expiresIn > 0)
    entry.refreshTokenExpiresAt = Math.floor(expiry.nowMs / 1000) + expiry.expiresIn;
}

/** The entry's refresh token in clear, opening it with the passphrase when it is sealed. */
export async function loadRefreshToken(
  entry: AccountEntry,
  passphrase: string | undefined,
): Promise<string | undefined> {
  const stored = entry.refreshToken;
  if (!stored) return undefined;
  if ("token" in stored) return stored.token;
  if (!passphrase) throw new CliError("the refresh token is encrypted: set TESSERA_PASSPHRASE");
  return openSecret(stored.sealed, passphrase, sealingContext(entry));
}
