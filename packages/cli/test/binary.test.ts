import { execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loggedIn, readEntry } from "./support/login-helper.js";
import { tempHome } from "./support/test-context.js";
import { startTestProvider, type TestProvider } from "./support/test-provider.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../..", import.meta.url));
const tsx = join(root, "node_modules", ".bin", "tsx");
const main = join(root, "packages", "cli", "src", "main.ts");

let op: TestProvider;
let home: { path: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  op = await startTestProvider();
});
afterAll(() => op.close());
beforeEach(async () => {
  home = await tempHome();
});
afterEach(() => home.cleanup());

/** Runs the real `tessera` entry point (src/main.ts through tsx) as a child process. */
async function tessera(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(tsx, [main, ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home.path,
        XDG_CONFIG_HOME: join(home.path, "config"),
        ...env,
      },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("the tessera binary", () => {
  it("starts with a node shebang", async () => {
    expect((await readFile(main, "utf8")).startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("runs status, token and exec as a child process against the cache a login wrote", async () => {
    await loggedIn(op, home.path);
    const entry = await readEntry(op, home.path);

    const status = await tessera(["status"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("Name: Alice Example");

    const token = await tessera(["token"]);
    expect(token.stdout.trim()).toBe(entry.accessToken?.token);

    const out = join(home.path, "seen");
    const script = `require("node:fs").writeFileSync(${JSON.stringify(out)}, process.env.BEARER_TOKEN); process.exit(3)`;
    const exec = await tessera(["exec", "--", process.execPath, "-e", script]);
    expect(exec.code).toBe(3);
    expect(await readFile(out, "utf8")).toBe(entry.accessToken?.token);
  });

  it("forwards SIGTERM to the command it runs and exits with the command's code", async () => {
    await loggedIn(op, home.path);
    const ready = join(home.path, "ready");
    const script = [
      `process.on("SIGTERM", () => process.exit(42));`,
      `require("node:fs").writeFileSync(${JSON.stringify(ready)}, "x");`,
      "setInterval(() => {}, 1000);",
    ].join("");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", main, "exec", "--", process.execPath, "-e", script],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", HOME: home.path, XDG_CONFIG_HOME: join(home.path, "config") },
        stdio: "ignore",
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    for (
      let i = 0;
      i < 200 &&
      !(await readFile(ready).then(
        () => true,
        () => false,
      ));
      i += 1
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill("SIGTERM");
    expect(await exited).toBe(42);
  });

  it("prints one line and no stack trace on errors, the stack only with TESSERA_DEBUG=1", async () => {
    const plain = await tessera(["decode", "not-a-jwt"]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(
      "tessera: the token from the command line is not a JWT (an opaque token cannot be decoded)\n",
    );
    const debug = await tessera(["decode", "not-a-jwt"], { TESSERA_DEBUG: "1" });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it("exits 1 from status when not logged in, and 0 for --help", async () => {
    expect((await tessera(["status"])).code).toBe(1);
    const help = await tessera(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("login");
  });
});
