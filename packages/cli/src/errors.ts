import { ResponseBodyError } from "openid-client";

/**
 * Exit codes, the same for every command: 0 success; 1 failure (not found, refused by the
 * server, unreachable, no valid token for `status`); 2 usage (a missing or malformed argument);
 * 3 authentication or authorization (`tessera admin`: a bad or expired token, missing scopes,
 * not an administrator). `exec` forwards the command's own code.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, auth: 3 } as const;

/** An error meant for the user: one line on stderr and a non-zero exit code, no stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Turns any error into one line for the user. */
export function describeError(error: unknown): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof ResponseBodyError) {
    const description = error.error_description ? `: ${error.error_description}` : "";
    return `the server refused the request (${error.error}${description})`;
  }
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? error.cause : undefined;
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    if (error instanceof TypeError && error.message === "fetch failed") {
      return `cannot reach the server${code ? ` (${code})` : cause ? ` (${cause.message})` : ""}`;
    }
    if (error.name === "TimeoutError" || error.name === "AbortError")
      return "the server did not answer in time";
    return cause ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

export function exitCodeOf(error: unknown): number {
  return error instanceof CliError ? error.exitCode : 1;
}
