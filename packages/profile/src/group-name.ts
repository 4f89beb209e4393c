/**
 * Group names, `('/' [a-zA-Z0-9][a-zA-Z0-9_.-]*)+` (WLCG profile). The grammar rules out
 * empty segments and `.`/`..` segments, so a group name is already normalised and can be
 * compared as a plain string.
 */

const GROUP_NAME = /^(\/[a-zA-Z0-9][a-zA-Z0-9_.-]*)+$/;
const SEGMENT_REST = /^[a-zA-Z0-9_.-]*$/;

/** True when `name` is a valid WLCG group name. */
export function isValidGroupName(name: string): boolean {
  return GROUP_NAME.test(name);
}

/**
 * Returns null when `name` is a valid group name, or the reason it is not; the reasons are
 * worded for an `invalid_scope` error description.
 */
export function checkGroupName(name: string): string | null {
  if (GROUP_NAME.test(name)) return null;
  if (name.length === 0) return "empty group name";
  if (!name.startsWith("/")) return "group name must start with /";
  for (const segment of name.slice(1).split("/")) {
    if (segment.length === 0) return "empty group name segment";
    if (!/^[a-zA-Z0-9]/.test(segment)) return "group name segment must start with a letter or digit";
    if (!SEGMENT_REST.test(segment)) {
      return "group name segment may contain only letters, digits, '_', '.' and '-'";
    }
  }
  // Unreachable when the grammar and the loop agree; kept so the function never lies.
  return "invalid group name";
}
