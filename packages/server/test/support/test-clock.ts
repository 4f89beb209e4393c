import type { Clock } from "../../src/domain/clock.js";

/** A clock that moves only when told to. */
export function createTestClock(start = Date.UTC(2026, 10, 23, 12, 0, 0)) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  } satisfies Clock & Record<string, unknown>;
}

export type TestClock = ReturnType<typeof createTestClock>;
