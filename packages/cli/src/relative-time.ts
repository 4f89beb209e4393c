/** "in 19 min", "3 min ago", "in 2 h 5 min", "just now": a span between two instants, in words. */
export function relativeTime(targetMs: number, nowMs: number): string {
  const deltaSeconds = Math.round((targetMs - nowMs) / 1000);
  const span = Math.abs(deltaSeconds);
  if (span < 5) return "just now";
  const words = spanInWords(span);
  return deltaSeconds > 0 ? `in ${words}` : `${words} ago`;
}

function spanInWords(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
  }
  return `${Math.round(hours / 24)} days`;
}

/** ISO 8601 and relative: "2025-01-02T03:04:05.000Z (in 19 min)". */
export function describeInstant(epochSeconds: number, nowMs: number): string {
  const ms = epochSeconds * 1000;
  return `${new Date(ms).toISOString()} (${relativeTime(ms, nowMs)})`;
}
