import type { Output } from "./context.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface Spinner {
  stop(finalLine?: string): void;
}

/** A one-line spinner on a TTY; on anything else, nothing (logs stay clean). */
export function startSpinner(out: Output, text: string): Spinner {
  if (!out.isTTY) return { stop: (line) => line && out.write(`${line}\n`) };
  let frame = 0;
  const timer = setInterval(() => {
    out.write(`\r${FRAMES[frame % FRAMES.length]} ${text}`);
    frame += 1;
  }, 100);
  timer.unref();
  return {
    stop(line) {
      clearInterval(timer);
      out.write("\r\x1b[2K");
      if (line) out.write(`${line}\n`);
    },
  };
}
