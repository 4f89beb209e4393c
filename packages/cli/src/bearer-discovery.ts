import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** The environment and user id that WLCG bearer-token discovery looks at. */
export interface DiscoveryInput {
  env: Readonly<Record<string, string | undefined>>;
  uid: number;
}

export interface DiscoveredToken {
  token: string;
  /** Where it came from: "BEARER_TOKEN" or the file path. */
  source: string;
}

/**
 * The file a client writes its token to (WLCG Bearer Token Discovery, §2): `$BEARER_TOKEN_FILE`,
 * else `$XDG_RUNTIME_DIR/bt_u<uid>`, else `/tmp/bt_u<uid>`.
 */
export function bearerTokenFilePath({ env, uid }: DiscoveryInput): string {
  if (env.BEARER_TOKEN_FILE) return env.BEARER_TOKEN_FILE;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, `bt_u${uid}`);
  return `/tmp/bt_u${uid}`;
}

/**
 * WLCG Bearer Token Discovery: `$BEARER_TOKEN`, then the file `$BEARER_TOKEN_FILE`, then
 * `$XDG_RUNTIME_DIR/bt_u<euid>`, then `/tmp/bt_u<euid>`. Whitespace is stripped; an empty value
 * or a missing file moves on to the next place. Returns undefined when none has a token.
 */
export async function discoverBearerToken(input: DiscoveryInput): Promise<DiscoveredToken | undefined> {
  const fromEnv = input.env.BEARER_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: "BEARER_TOKEN" };
  const files: string[] = [];
  if (input.env.BEARER_TOKEN_FILE) files.push(input.env.BEARER_TOKEN_FILE);
  if (input.env.XDG_RUNTIME_DIR) files.push(join(input.env.XDG_RUNTIME_DIR, `bt_u${input.uid}`));
  files.push(`/tmp/bt_u${input.uid}`);
  for (const file of files) {
    const token = await readTrimmed(file);
    if (token) return { token, source: file };
  }
  return undefined;
}

async function readTrimmed(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    return undefined;
  }
}
