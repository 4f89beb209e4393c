import { Command, CommanderError, InvalidArgumentError } from "commander";
import { addAdminCommands } from "./admin/admin-command.js";
import { decodeCommand } from "./commands/decode.js";
import { execCommand } from "./commands/exec.js";
import { loginCommand } from "./commands/login.js";
import { logoutCommand } from "./commands/logout.js";
import { statusCommand } from "./commands/status.js";
import { tokenCommand } from "./commands/token.js";
import { type CliContext, isDebug } from "./context.js";
import { describeError, EXIT, exitCodeOf } from "./errors.js";

/** A repeatable option: every value in order (undefined when not given, so help shows no default). */
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number of seconds");
  return n;
};

/** Builds the `tessera` program; each action stores its exit code in `result`. */
function buildProgram(ctx: CliContext, result: { code: number }): Command {
  const program = new Command("tessera")
    .description("Tokens from a Tessera (or any OpenID Connect) issuer, for the command line")
    .version("0.1.0", "-V, --version")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });

  program
    .command("login")
    .description("log in with the device authorization grant (RFC 8628)")
    .option(
      "--issuer <url>",
      "issuer URL (default: $TESSERA_ISSUER, the default account's, or http://localhost:8080)",
    )
    .option("--client <id>", "client id (default: register a public client)")
    .option(
      "--scope <scope>",
      "scope to ask for (repeatable; default: openid profile email offline_access wlcg wlcg.groups)",
      collect,
    )
    .option("--audience <aud>", "audience to ask for (repeatable)", collect)
    .option("--no-wait", "print the URL and code, then exit; finish with --continue")
    .option("--continue", "finish a login started with --no-wait")
    .option("--browser", "open the URL in a browser")
    .option("--account <name>", "account name in the cache")
    .addHelpText(
      "after",
      `
Prints the verification URL (the complete one, with the code in it) and the user code, and a
QR code of the URL when standard output is a terminal. Then it polls the issuer (at the interval
the server asks for, slower after slow_down) with a spinner on a terminal, until the login is
approved, denied or the code expires. The first login at an issuer discovers it and registers a
public client "tessera-cli" (RFC 7591); the tokens and that client are cached for every later
command.

Environment:
  TESSERA_ISSUER              issuer when --issuer is not given
  TESSERA_REGISTRATION_TOKEN  initial access token for the registration, when the server wants one
  TESSERA_PASSPHRASE          seal the cached refresh token (later commands need it too)
  TESSERA_INSECURE=1          allow plain http:// to an issuer that is not on this host
  XDG_CONFIG_HOME             cache folder: $XDG_CONFIG_HOME/tessera (default ~/.config/tessera)

Examples:
  tessera login --issuer https://iam.example.org
  tessera login --scope "openid offline_access storage.read:/cms" --audience https://dcache.example.org
  tessera login --no-wait                # on a machine without a browser: print, exit, ...
  tessera login --continue               # ... and finish once approved elsewhere

Exit codes: 0 logged in (with --no-wait: code printed); 1 denied, expired, refused or
unreachable; 2 usage.
`,
    )
    .action(async (opts) => {
      result.code = await loginCommand(ctx, opts);
    });

  program
    .command("status")
    .description("show the cached token and who it is for")
    .option("--json", "machine-readable output")
    .option("--account <name>", "account name in the cache")
    .addHelpText(
      "after",
      `
Prints Filename, Account, Valid starting, Expires, Name, Email, Groups, Organization (the fields
panda_auth shows), Scopes and Refresh token expires, one "Label: value" per line; --json prints
the same as one object with "valid": true|false. Nothing is sent to the server.

Exit codes: 0 the access token is valid; 1 it has expired (run \`tessera token\` to refresh it)
or there is no login.
`,
    )
    .action(async (opts) => {
      result.code = await statusCommand(ctx, opts);
    });

  program
    .command("token")
    .description("print a valid access token, refreshing it when needed")
    .option("-s, --scope <scope>", "ask for a narrower token with this scope (repeatable)", collect)
    .option("--aud <audience>", "ask for a token for this audience")
    .option("--min-valid <seconds>", "refresh when the token expires sooner than this", seconds, 60)
    .option("--bt", "also write the token to the bearer-token-discovery file")
    .option("--account <name>", "account name in the cache")
    .addHelpText(
      "after",
      `
Prints the cached access token when it stays valid for --min-valid seconds, else refreshes it
with the refresh token. With -s or --aud it asks the refresh grant for a narrower token (the
scopes must be within the login's, e.g. storage.read:/cms within storage.read:/), cached apart.
--bt writes the token (mode 0600) to $BEARER_TOKEN_FILE, else $XDG_RUNTIME_DIR/bt_u<uid>,
else /tmp/bt_u<uid>, where WLCG bearer-token discovery looks.

Examples:
  curl -H "Authorization: Bearer $(tessera token)" https://service.example.org/
  tessera token -s storage.read:/cms/data --aud https://dcache.example.org --bt

Exit codes: 0 printed; 1 not logged in, refresh refused (run \`tessera login\`) or unreachable;
2 usage.
`,
    )
    .action(async (opts) => {
      result.code = await tokenCommand(ctx, opts);
    });

  program
    .command("exec")
    .description("run a command with BEARER_TOKEN set to a fresh token")
    .argument("<command...>", "the command and its arguments, after --")
    .option("-s, --scope <scope>", "ask for a narrower token with this scope (repeatable)", collect)
    .option("--aud <audience>", "ask for a token for this audience")
    .option("--min-valid <seconds>", "refresh when the token expires sooner than this", seconds, 60)
    .option("--account <name>", "account name in the cache")
    .passThroughOptions()
    .addHelpText(
      "after",
      `
Gets a token as \`tessera token\` does, then runs the command with BEARER_TOKEN set to it (and
its standard input, output and error); signals it receives are passed on to the command.

Example:
  tessera exec -s storage.read:/cms -- sh -c 'curl -H "Authorization: Bearer $BEARER_TOKEN" https://dcache.example.org/cms/'

Exit codes: the command's own (128 + n when signal n ended it); 1 when no token could be had
(the command is not run); 2 usage (no command).
`,
    )
    .action(async (command: string[], opts) => {
      const outcome = await execCommand(ctx, command, opts);
      result.code = outcome.exitCode;
    });

  program
    .command("decode")
    .description("show a JWT's header and claims and check its signature")
    .argument("[token]", "the token, or - for standard input (default: bearer-token discovery)")
    .addHelpText(
      "after",
      `
Without a token argument it uses WLCG bearer-token discovery: $BEARER_TOKEN, then the file
$BEARER_TOKEN_FILE, then $XDG_RUNTIME_DIR/bt_u<uid>, then /tmp/bt_u<uid>. The signature is
checked against the JWKS of the token's issuer (its iss claim).

Exit codes: 0 decoded (signature valid, or not checkable: said why); 1 the signature is invalid,
the token is not a JWT or none was found.
`,
    )
    .action(async (token: string | undefined) => {
      result.code = await decodeCommand(ctx, token);
    });

  program
    .command("logout")
    .description("revoke the refresh token and delete the cached tokens")
    .option("--account <name>", "account name in the cache")
    .option("--force", "delete the cached tokens even if revocation fails")
    .addHelpText(
      "after",
      `
Revokes the refresh token and the access token at the issuer (RFC 7009), then deletes the
account's cache file; the next account left becomes the default.

Exit codes: 0 logged out; 1 not logged in, or the server could not be told (the cache is kept
unless --force).
`,
    )
    .action(async (opts) => {
      result.code = await logoutCommand(ctx, opts);
    });

  addAdminCommands(program, ctx, result);

  program.addHelpText(
    "after",
    `
Exit codes:
  0  success
  1  failure: not found, refused, unreachable server; \`status\`: no valid access token
  2  usage: a missing or malformed argument or option
  3  authentication (\`tessera admin\`): no, bad or expired token, missing scopes, not an administrator
  \`exec\` returns the command's own exit code.

Environment:
  TESSERA_ISSUER         issuer for login (and admin) when --issuer is not given
  TESSERA_PASSPHRASE     seals the cached refresh token; needed by every command that refreshes
  TESSERA_ADMIN_TOKEN    bearer for \`tessera admin\` instead of the cached account's token
  TESSERA_INSECURE=1     allow plain http:// to an issuer that is not on this host
  TESSERA_DEBUG=1        print the stack trace of an error
  XDG_CONFIG_HOME        cache folder: $XDG_CONFIG_HOME/tessera (default ~/.config/tessera)
  BEARER_TOKEN_FILE, XDG_RUNTIME_DIR   where \`token --bt\` writes and \`decode\` looks

Run \`tessera <command> --help\` for a command's options, \`tessera admin --help\` for every admin command.
`,
  );
  return program;
}

/**
 * Runs `tessera` with the given arguments (without the node and script paths) and returns the
 * exit code. Every error becomes one line on stderr; the stack only with TESSERA_DEBUG=1.
 */
export async function runCli(args: readonly string[], ctx: CliContext): Promise<number> {
  const result = { code: 0 };
  const program = buildProgram(ctx, result);
  try {
    await program.parseAsync([...args], { from: "user" });
    return result.code;
  } catch (error) {
    // Help and --version exit 0; every other commander error is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    ctx.stderr.write(`tessera: ${describeError(error)}\n`);
    if (isDebug(ctx.env) && error instanceof Error && error.stack) ctx.stderr.write(`${error.stack}\n`);
    return exitCodeOf(error);
  }
}
