/**
 * Lifetime bounds of the WLCG profile (recommended / minimum / maximum), in seconds.
 * The server validates its configuration against these, and verifiers use the access-token
 * maximum and the key-cache bounds; keeping them here stops the two from drifting apart.
 */

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

export type LifetimeBounds = { readonly recommended: number; readonly min: number; readonly max: number };

export type LifetimeKind = "accessToken" | "idToken" | "refreshToken" | "verifierKeyCache" | "signingKey";

export const LIFETIMES: Readonly<Record<LifetimeKind, LifetimeBounds>> = {
  accessToken: { recommended: 20 * MINUTE, min: 5 * MINUTE, max: 6 * HOUR },
  idToken: { recommended: 20 * MINUTE, min: 5 * MINUTE, max: 6 * HOUR },
  refreshToken: { recommended: 10 * DAY, min: DAY, max: 30 * DAY },
  verifierKeyCache: { recommended: 6 * HOUR, min: HOUR, max: DAY },
  // Months are taken as twelfths of a 365-day year, so 6 months is 182.5 days.
  signingKey: { recommended: YEAR / 2, min: 2 * DAY, max: YEAR },
};

const LABELS: Readonly<Record<LifetimeKind, string>> = {
  accessToken: "access token lifetime",
  idToken: "ID token lifetime",
  refreshToken: "refresh token lifetime",
  verifierKeyCache: "verifier key cache lifetime",
  signingKey: "signing key lifetime",
};

/** Clamps `seconds` into the profile's bounds for `kind`. */
export function clampLifetime(kind: LifetimeKind, seconds: number): number {
  const { min, max } = LIFETIMES[kind];
  return Math.min(max, Math.max(min, seconds));
}

/**
 * Checks a configured lifetime. Returns null when acceptable, or a message naming the bound
 * it breaks, e.g. `access token lifetime 60 s is below the WLCG minimum of 5 min (300 s)`.
 */
export function checkLifetime(kind: LifetimeKind, seconds: number): string | null {
  const label = LABELS[kind];
  if (!Number.isInteger(seconds)) return `${label} must be a whole number of seconds, got ${seconds}`;
  const { min, max } = LIFETIMES[kind];
  if (seconds < min) {
    return `${label} ${seconds} s is below the WLCG minimum of ${describeSeconds(min)} (${min} s)`;
  }
  if (seconds > max) {
    return `${label} ${seconds} s is above the WLCG maximum of ${describeSeconds(max)} (${max} s)`;
  }
  return null;
}

/** A short human form of a duration, in the largest unit that divides it. */
export function describeSeconds(seconds: number): string {
  const units: [number, string][] = [
    [DAY, "d"],
    [HOUR, "h"],
    [MINUTE, "min"],
  ];
  for (const [size, unit] of units) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size} ${unit}`;
  }
  // 182.5 days is not a whole number of days but is a whole number of hours.
  return `${seconds} s`;
}
