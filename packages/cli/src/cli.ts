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

const collect = (value: string, previous: string[]) => [...previous, value];
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
      [],
    )
    .option("--audience <aud>", "audience to ask for (repeatable)", collect, [])
    .option("--no-wait", "print the URL and code, then exit; finish with --continue")
    .option("--continue", "finish a login started with --no-wait")
    .option("--browser", "open the URL in a browser")
    .option("--account <name>", "account name in the cache")
    .action(async (opts) => {
      result.code = await loginCommand(ctx, opts);
    });

  program
    .command("status")
    .description("show the cached token and who it is for")
    .option("--json", "machine-readable output")
    .option("--account <name>", "account name in the cache")
    .action(async (opts) => {
      result.code = await statusCommand(ctx, opts);
    });

  program
    .command("token")
    .description("print a valid access token, refreshing it when needed")
    .option("-s, --scope <scope>", "ask for a narrower token with this scope (repeatable)", collect, [])
    .option("--aud <audience>", "ask for a token for this audience")
    .option("--min-valid <seconds>", "refresh when the token expires sooner than this", seconds, 60)
    .option("--bt", "also write the token to the bearer-token-discovery file")
    .option("--account <name>", "account name in the cache")
    .action(async (opts) => {
      result.code = await tokenCommand(ctx, opts);
    });

  program
    .command("exec")
    .description("run a command with BEARER_TOKEN set to a fresh token")
    .argument("<command...>", "the command and its arguments, after --")
    .option("-s, --scope <scope>", "ask for a narrower token with this scope (repeatable)", collect, [])
    .option("--aud <audience>", "ask for a token for this audience")
    .option("--min-valid <seconds>", "refresh when the token expires sooner than this", seconds, 60)
    .option("--account <name>", "account name in the cache")
    .passThroughOptions()
    .action(async (command: string[], opts) => {
      const outcome = await execCommand(ctx, command, opts);
      result.code = outcome.exitCode;
    });

  program
    .command("decode")
    .description("show a JWT's header and claims and check its signature")
    .argument("[token]", "the token, or - for standard input (default: bearer-token discovery)")
    .action(async (token: string | undefined) => {
      result.code = await decodeCommand(ctx, token);
    });

  program
    .command("logout")
    .description("revoke the refresh token and delete the cached tokens")
    .option("--account <name>", "account name in the cache")
    .option("--force", "delete the cached tokens even if revocation fails")
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
