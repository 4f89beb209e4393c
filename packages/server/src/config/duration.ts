const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Parses a duration given as whole seconds (`1200`) or with one unit (`20m`, `10d`, `6h`).
 * Returns seconds, or undefined when the text is not a duration.
 */
export function parseDurationSeconds(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match = /^\s*(\d{1,9})\s*([smhdw]?)\s*$/.exec(value);
  if (!match?.[1]) return undefined;
  return Number(match[1]) * (UNITS[match[2] || "s"] ?? 1);
}
