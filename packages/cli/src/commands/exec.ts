import { spawn } from "node:child_process";
import { constants } from "node:os";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { obtainAccessToken, type TokenRequest } from "./token.js";

const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

export interface ExecResult {
  exitCode: number;
  /** The signal that ended the command, if one did. */
  signal?: NodeJS.Signals;
}

/**
 * `tessera exec -- CMD …`: runs the command with `BEARER_TOKEN` set to a fresh token, forwards
 * the signals it receives to it, and returns its exit code (128 + n when signal n ended it).
 */
export async function execCommand(
  ctx: CliContext,
  command: string[],
  options: TokenRequest,
): Promise<ExecResult> {
  const [program, ...args] = command;
  if (!program) throw new CliError("no command given: tessera exec -- COMMAND [ARGS…]", 2);
  const token = await obtainAccessToken(ctx, options);
  const child = spawn(program, args, { stdio: "inherit", env: { ...ctx.env, BEARER_TOKEN: token } });
  const forward = (signal: NodeJS.Signals) => () => {
    child.kill(signal);
  };
  const handlers = FORWARDED.map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    return await new Promise<ExecResult>((resolve, reject) => {
      child.once("error", (error: NodeJS.ErrnoException) => {
        reject(
          new CliError(
            error.code === "ENOENT"
              ? `command not found: ${program}`
              : `cannot run ${program}: ${error.message}`,
            127,
          ),
        );
      });
      child.once("exit", (code, signal) => {
        if (signal) resolve({ exitCode: 128 + (constants.signals[signal] ?? 0), signal });
        else resolve({ exitCode: code ?? 1 });
      });
    });
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
