import { ConflictError } from "../errors.js";
import { randomSecret } from "../secrets/random-secret.js";
import type { AccountService } from "./account-service.js";

export interface BootstrapResult {
  created: boolean;
  username: string;
  /** Set only when Tessera generated the password: shown once, never stored in clear. */
  generatedPassword?: string;
}

/**
 * Creates the first administrator when the database holds no account. Safe when several nodes
 * start at once: the loser of the race sees the username conflict and creates nothing.
 */
export async function bootstrapAdministrator(
  accounts: AccountService,
  options: { username: string; email: string; password?: string | undefined },
): Promise<BootstrapResult> {
  if ((await accounts.count()) > 0) return { created: false, username: options.username };
  const generatedPassword = options.password === undefined ? randomSecret(18) : undefined;
  try {
    await accounts.create({
      username: options.username,
      name: "Administrator",
      email: options.email,
      password: options.password ?? generatedPassword,
      isAdmin: true,
    });
  } catch (error) {
    if (error instanceof ConflictError) return { created: false, username: options.username };
    throw error;
  }
  return generatedPassword === undefined
    ? { created: true, username: options.username }
    : { created: true, username: options.username, generatedPassword };
}
