import { spawn } from "node:child_process";

/** Opens a URL in the user's browser without waiting for it; failures are silent (the URL is printed anyway). */
export function openBrowser(url: string): void {
  const command =
    process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(command, [url], { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    // the URL is on the screen; nothing else to do
  }
}
