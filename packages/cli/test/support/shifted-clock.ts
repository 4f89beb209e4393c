// Loaded with `node --import` before the CLI's entry point: moves this process's clock forward by
// $TESSERA_TEST_CLOCK_SHIFT seconds, so a child `tessera` sees its cached tokens as a user would
// minutes later (the server's shortest access-token lifetime is 5 minutes) while the server keeps
// the real time. Date.now() and `new Date()` both move; timers are untouched.
const shift = Number(process.env.TESSERA_TEST_CLOCK_SHIFT ?? "0") * 1000;
if (!Number.isFinite(shift)) throw new Error("TESSERA_TEST_CLOCK_SHIFT must be a number of seconds");

if (shift !== 0) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(realNow() + shift);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return realNow() + shift;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}
