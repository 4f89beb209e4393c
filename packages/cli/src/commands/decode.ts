import { discoverBearerToken } from "../bearer-discovery.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { peekClaims, peekHeader } from "../jwt-claims.js";
import { describeInstant } from "../relative-time.js";
import { checkSignature } from "../signature-check.js";

const TIME_CLAIMS = ["iat", "nbf", "exp", "auth_time"] as const;

/**
 * `tessera decode [TOKEN|-]`: header and claims, times in words, and the signature checked
 * against the issuer's JWKS. Without an argument the token comes from WLCG bearer-token
 * discovery. Exit code 1 when the signature is invalid.
 */
export async function decodeCommand(ctx: CliContext, argument: string | undefined): Promise<number> {
  const { token, source } = await readToken(ctx, argument);
  const header = peekHeader(token);
  const claims = peekClaims(token);
  if (!header || !claims)
    throw new CliError(`the token from ${source} is not a JWT (an opaque token cannot be decoded)`);
  const now = ctx.now();
  const out = ctx.stdout;
  out.write(`Token from ${source}\n\nHeader:\n${indent(JSON.stringify(header, null, 2))}\n\nClaims:\n`);
  out.write(`${indent(JSON.stringify(claims, null, 2))}\n\n`);
  for (const name of TIME_CLAIMS) {
    const value = claims[name];
    if (typeof value === "number") out.write(`${name.padEnd(9)} ${describeInstant(value, now)}\n`);
  }
  const result = await checkSignature(token, claims.iss);
  switch (result.status) {
    case "valid":
      out.write(`signature: valid${result.note ? ` (${result.note})` : ""}\n`);
      return 0;
    case "invalid":
      out.write(`signature: invalid (${result.reason})\n`);
      return 1;
    default:
      out.write(`signature: not checked (${result.reason})\n`);
      return 0;
  }
}

async function readToken(
  ctx: CliContext,
  argument: string | undefined,
): Promise<{ token: string; source: string }> {
  if (argument === "-") {
    const token = (await ctx.readStdin()).trim();
    if (!token) throw new CliError("no token on standard input");
    return { token, source: "standard input" };
  }
  if (argument !== undefined) {
    const token = argument.trim();
    if (!token) throw new CliError("the token argument is empty");
    return { token, source: "the command line" };
  }
  const found = await discoverBearerToken({ env: ctx.env, uid: ctx.uid });
  if (!found) {
    throw new CliError(
      "no token found ($BEARER_TOKEN, $BEARER_TOKEN_FILE, $XDG_RUNTIME_DIR/bt_u<uid>, /tmp/bt_u<uid>)",
    );
  }
  return found;
}

function indent(text: string): string {
  return text.replace(/^/gm, "  ");
}
