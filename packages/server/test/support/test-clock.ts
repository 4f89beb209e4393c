import type { Clock } from "../../src/domain/clock.js";

/** A clock that moves only when told to. */
// Starts at the real time: libraries under test (openid-client, jose in the CLI) check token times
// against the real clock, so a fixed start date would make tests fail once that date has passed.
export function createTestClock(start = Date.now()) {
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
