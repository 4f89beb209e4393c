// The interactive output of `tessera login` in a real terminal: the command runs inside a
// pseudo-terminal made by util-linux's `script` (Debian's bsdutils, an essential package, so on
// every Debian machine and CI) against a Tessera server process, and the test reads what the
// terminal would show: the complete verification URL, the user code, the QR code of that URL,
// the spinner while polling, and the final line. Without `script` the tests are skipped.
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { renderQrCode } from "../src/qr-code.js";
import { decideDeviceOverHttp } from "./support/device-approval.js";
import {
  BOOTSTRAP_TOKEN,
  cliCommand,
  ROOT,
  spawnTessera,
  startTesseraProcess,
  type TesseraProcess,
  type Watched,
  watch,
} from "./support/processes.js";

const ALICE_PASSWORD = "alice has a long password";
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const ESCAPE = "\u001b";
const CLEAR_LINE = "\r\u001b[2K";
const QR_BLOCKS = /[\u2580\u2584\u2588]/;

const hasScript = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;
if (!hasScript) console.warn("interactive-login.test.ts: skipped, util-linux `script` is not installed");

vi.setConfig({ testTimeout: 60_000 });

let server: TesseraProcess;
let root: string;

beforeAll(async () => {
  if (!hasScript) return;
  server = await startTesseraProcess({ TESSERA_DEVICE_POLL_INTERVAL: "1s" });
  root = await mkdtemp(join(tmpdir(), "tessera-pty-"));
  const response = await fetch(`${server.url}/api/v1/accounts`, {
    method: "POST",
    headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      username: "alice",
      name: "Alice Example",
      email: "alice@example.org",
      password: ALICE_PASSWORD,
    }),
  });
  expect(response.status).toBe(201);
}, 90_000);

afterAll(async () => {
  await server?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * Runs `tessera ARGS` in a pseudo-terminal (standard output and error are the terminal), with
 * `| cat` after it when `pipeStdout`: then only standard error is the terminal. What the terminal
 * received is the watched process's stdout.
 */
async function inTerminal(args: string[], options: { pipeStdout?: boolean } = {}): Promise<Watched> {
  const home = await mkdtemp(join(root, "home-"));
  await mkdir(join(home, "config"));
  const command = [process.execPath, ...cliCommand(args)].map(quote).join(" ");
  const child = spawn("script", ["-qfec", options.pipeStdout ? `${command} | cat` : command, "/dev/null"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      XDG_CONFIG_HOME: join(home, "config"),
      TERM: "xterm-256color",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return watch(child);
}

/** The terminal's output with its newline translation (\r\n) undone. */
const screen = (run: Watched) => run.stdout().replaceAll("\r\n", "\n");

async function verificationUrl(run: Watched): Promise<string> {
  const [, url] = await run.waitFor("stdout", /^ {4}(http:\/\/\S+)\r?$/m);
  return url as string;
}

describe.skipIf(!hasScript)("tessera login in a terminal", () => {
  test("shows the complete URL, the code and a QR code of the URL, spins while polling, then says who logged in", async () => {
    const run = await inTerminal(["login", "--issuer", server.url]);
    const url = await verificationUrl(run);
    // The spinner starts once the instructions and the QR code are out and polling begins.
    await run.waitFor("stdout", /Waiting for approval/);
    const userCode = new URL(url).searchParams.get("user_code") as string;
    expect(url).toBe(`${server.url}/device?user_code=${userCode}`);
    expect(userCode).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);

    const shown = screen(run);
    const instructions = `To log in, open this URL in a browser:\n\n    ${url}\n\nand check that it shows the code: ${userCode}\n`;
    expect(shown).toContain(instructions);
    // The QR code is the one of the complete URL (the same rendering, line for line), after the code.
    const qr = await renderQrCode(url);
    expect(qr).toMatch(QR_BLOCKS);
    expect(qr.split("\n").length).toBeGreaterThan(10);
    expect(shown).toContain(`${instructions}\n${qr}\n`);

    // Let it poll a few times (interval 1 s; the spinner turns every 100 ms), then approve.
    await new Promise((r) => setTimeout(r, 1_500));
    const decision = await decideDeviceOverHttp(url, "alice", ALICE_PASSWORD);
    expect(decision.result).toContain("Device approved");
    expect(await run.exited, run.stderr()).toBe(0);

    const out = screen(run);
    const spinning = out.slice(out.indexOf(qr) + qr.length, out.lastIndexOf(CLEAR_LINE));
    const frames = spinning.replace(/^\n+/, "").split("\r").filter(Boolean);
    expect(frames.length).toBeGreaterThanOrEqual(10);
    for (const frame of frames) expect(FRAMES.map((f) => `${f} Waiting for approval…`)).toContain(frame);
    expect(new Set(frames).size).toBe(FRAMES.length);
    // The spinner line is cleared and the final message stands alone.
    const finalLines = out.slice(out.lastIndexOf(CLEAR_LINE) + CLEAR_LINE.length);
    expect(finalLines).toMatch(
      new RegExp(
        `^Logged in to ${server.url.replaceAll(".", "\\.")} as Alice Example \\(account \\S+\\)\\.\\nTokens cached in \\S+\\.json\\n$`,
      ),
    );
  });

  test("a denied login stops the spinner and ends with one clear line and exit code 1", async () => {
    const run = await inTerminal(["login", "--issuer", server.url]);
    const url = await verificationUrl(run);
    await run.waitFor("stdout", /Waiting for approval/);
    const decision = await decideDeviceOverHttp(url, "alice", ALICE_PASSWORD, "deny");
    expect(decision.status).toBe(200);
    expect(await run.exited).toBe(1);
    expect(
      screen(run).endsWith(
        `Waiting for approval…${CLEAR_LINE}tessera: login denied: the request was not approved\n`,
      ),
      screen(run),
    ).toBe(true);
  });

  test("with standard output piped (tessera login | cat) the QR code stays out of the pipe; the spinner stays on the terminal", async () => {
    const run = await inTerminal(["login", "--issuer", server.url], { pipeStdout: true });
    const url = await verificationUrl(run);
    await run.waitFor("stdout", /Waiting for approval/);
    await decideDeviceOverHttp(url, "alice", ALICE_PASSWORD);
    expect(await run.exited, run.stderr()).toBe(0);
    const out = screen(run);
    expect(out).toContain(
      `and check that it shows the code: ${new URL(url).searchParams.get("user_code")}\n`,
    );
    expect(out).not.toMatch(QR_BLOCKS);
    expect(out).toContain(`${CLEAR_LINE}`);
    expect(out).toContain(`Logged in to ${server.url} as Alice Example`);
  });

  test("fully piped (no terminal at all): the same instructions, no QR code, no spinner, no escape sequences", async () => {
    const home = await mkdtemp(join(root, "home-"));
    const run = spawnTessera(["login", "--issuer", server.url], { home });
    const [, url] = await run.waitFor("stdout", /^ {4}(http:\/\/\S+)$/m);
    await decideDeviceOverHttp(url as string, "alice", ALICE_PASSWORD);
    expect(await run.exited, run.stderr()).toBe(0);
    const all = run.stdout() + run.stderr();
    expect(run.stdout()).toContain(`    ${url}\n\nand check that it shows the code: `);
    expect(all).not.toMatch(QR_BLOCKS);
    expect(all).not.toContain(ESCAPE);
    expect(all).not.toContain("Waiting for approval");
    expect(all).not.toMatch(new RegExp(`[${FRAMES.join("")}]`));
    expect(run.stdout()).toContain(`Logged in to ${server.url} as Alice Example`);
  });
});
