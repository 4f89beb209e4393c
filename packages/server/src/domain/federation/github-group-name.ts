import { createHash } from "node:crypto";

const MAX_LENGTH = 32;

/**
 * The group name for a GitHub team, as Rubin's Gafaelfawr names it: `<org>-<team slug>`, and when
 * that is longer than 32 characters its first 25 characters, a dash and the first six characters
 * of the URL-safe base64 SHA-256 of the full name, so long names stay unique and stable.
 */
export function githubTeamGroupName(organisation: string, teamSlug: string): string {
  const name = `${organisation.toLowerCase()}-${teamSlug}`;
  if (name.length <= MAX_LENGTH) return name;
  const hash = createHash("sha256").update(name).digest("base64url").slice(0, 6);
  return `${name.slice(0, 25)}-${hash}`;
}
