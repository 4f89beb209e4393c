// Help for every command, walked from the help's own "Commands:" lists (so a command added
// without help fails here), and the CLI's README checked against it: every option of every
// command is in the README's synopsis, and the exit codes are the same.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../src/index.js";
import { tempHome, testContext } from "./support/test-context.js";

const README = fileURLToPath(new URL("../README.md", import.meta.url));
const USER_COMMANDS = ["login", "status", "token", "exec", "decode", "logout"];
/** Options every `tessera admin` leaf takes; the README says so once. */
const ADMIN_COMMON = new Set(["--issuer", "--token", "--account", "--json", "--limit", "--all", "--help"]);

let home: { path: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  home = await tempHome();
});
afterAll(() => home.cleanup());

interface Help {
  path: string[];
  text: string;
  /** Entries of each section ("Options", "Arguments", "Commands"): the term and its description. */
  sections: Record<string, { term: string; description: string }[]>;
}

async function help(path: string[]): Promise<Help> {
  const ctx = testContext(home.path);
  const code = await runCli([...path, "--help"], ctx);
  expect(code, `tessera ${path.join(" ")} --help`).toBe(0);
  expect(ctx.stderr.text).toBe("");
  const text = ctx.stdout.text;
  const sections: Help["sections"] = {};
  let current: { term: string; description: string }[] | undefined;
  for (const line of text.split("\n")) {
    const heading = /^(Options|Arguments|Commands):$/.exec(line);
    if (heading?.[1]) {
      current = [];
      sections[heading[1]] = current;
    } else if (line === "" || !line.startsWith("  ")) {
      current = undefined;
    } else if (current && /^ {2}\S/.test(line)) {
      const [, term = "", description = ""] = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(line) ?? [];
      current.push({ term, description });
    } else if (current && current.length > 0) {
      const last = current[current.length - 1] as { term: string; description: string };
      last.description = `${last.description} ${line.trim()}`.trim();
    }
  }
  return { path, text, sections };
}

/** Every command's help, from `tessera --help` down through each "Commands:" list. */
async function allHelp(): Promise<Help[]> {
  const seen: Help[] = [];
  const queue: string[][] = [[]];
  while (queue.length > 0) {
    const path = queue.shift() as string[];
    const page = await help(path);
    seen.push(page);
    for (const { term } of page.sections.Commands ?? []) {
      const name = term.split(" ")[0] as string;
      if (name !== "help") queue.push([...path, name]);
    }
  }
  return seen;
}

/** Each option's long flag, and its short one when it has one ("-s, --scope <scope>"). */
const flags = (page: Help) =>
  (page.sections.Options ?? []).map(({ term }) => ({
    long: /--[a-z-]+/.exec(term)?.[0] as string,
    short: /^-[a-zA-Z]\b/.exec(term)?.[0],
  }));

describe("tessera --help", () => {
  test("every command has a usage line, a description, and a description for each option, argument and subcommand", async () => {
    const pages = await allHelp();
    // The user commands, admin and its 8 groups, and every admin leaf (40-odd in all).
    expect(pages.length).toBeGreaterThan(45);
    for (const page of pages) {
      const name = ["tessera", ...page.path].join(" ");
      const [usage, blank, description] = page.text.split("\n");
      expect(usage, name).toMatch(new RegExp(`^Usage: ${name} `));
      expect(blank, name).toBe("");
      expect(description?.length, `${name}: description`).toBeGreaterThan(10);
      for (const [section, entries] of Object.entries(page.sections)) {
        for (const { term, description: said } of entries) {
          expect(said.length, `${name}: ${section} ${term} has no description`).toBeGreaterThan(3);
        }
      }
      expect(page.text, name).not.toContain("(default: [])");
    }
  });

  test("tessera --help lists every command, the exit codes and the environment", async () => {
    const top = await help([]);
    expect((top.sections.Commands ?? []).map(({ term }) => term.split(" ")[0])).toEqual([
      ...USER_COMMANDS,
      "admin",
      "help",
    ]);
    expect(top.text).toMatch(
      /^Exit codes:\n {2}0 {2}success\n {2}1 {2}failure.*\n {2}2 {2}usage.*\n {2}3 {2}authentication/m,
    );
    for (const name of [
      "TESSERA_ISSUER",
      "TESSERA_PASSPHRASE",
      "TESSERA_ADMIN_TOKEN",
      "TESSERA_DEBUG",
      "XDG_CONFIG_HOME",
    ]) {
      expect(top.text).toContain(name);
    }
  });

  test("each user command's help says what it does beyond its options, and its exit codes", async () => {
    for (const command of USER_COMMANDS) {
      const page = await help([command]);
      expect.soft(page.text, command).toMatch(/\nExit codes: (0 |the command's own)/);
    }
    const login = (await help(["login"])).text;
    for (const said of [
      "complete one, with the code",
      "QR code",
      "terminal",
      "slow_down",
      "registers a",
      "TESSERA_REGISTRATION_TOKEN",
      "--continue",
    ]) {
      expect(login).toContain(said);
    }
    const token = (await help(["token"])).text;
    for (const said of ["$BEARER_TOKEN_FILE", "$XDG_RUNTIME_DIR/bt_u<uid>", "0600", "refresh grant"]) {
      expect(token).toContain(said);
    }
    expect((await help(["exec"])).text).toContain("128 + n");
    expect((await help(["status"])).text).toContain(
      "Valid starting, Expires, Name, Email, Groups, Organization",
    );
  });
});

describe("the CLI's README", () => {
  test("its synopsis names every option of every user command", async () => {
    const readme = await readFile(README, "utf8");
    for (const command of USER_COMMANDS) {
      const synopsis = new RegExp(`^tessera ${command} .*$`, "m").exec(readme)?.[0];
      expect(synopsis, `README synopsis of ${command}`).toBeDefined();
      for (const { long, short } of flags(await help([command]))) {
        if (long === "--help") continue;
        const named = synopsis?.includes(long) || (short !== undefined && synopsis?.includes(`${short} `));
        expect.soft(named, `README synopsis of ${command}: ${long}`).toBe(true);
      }
    }
  });

  test("its admin section names every admin command and each one's own options", async () => {
    const readme = await readFile(README, "utf8");
    const block = readme.slice(readme.indexOf("## `tessera admin`"));
    const groups = ((await help(["admin"])).sections.Commands ?? [])
      .map(({ term }) => term.split(" ")[0] as string)
      .filter((name) => name !== "help");
    for (const group of groups) {
      // A group's lines: from "tessera admin GROUP" to the next "tessera admin" line.
      const start = block.indexOf(`tessera admin ${group}`);
      expect(start, `README: tessera admin ${group}`).toBeGreaterThanOrEqual(0);
      const rest = block.slice(start + 1);
      const end = rest.indexOf("\ntessera admin ");
      const lines = end < 0 ? rest.slice(0, rest.indexOf("```")) : rest.slice(0, end);
      const leaves = ((await help(["admin", group])).sections.Commands ?? [])
        .map(({ term }) => term.split(" ")[0] as string)
        .filter((name) => name !== "help");
      const pages = leaves.length > 0 ? leaves.map((leaf) => ["admin", group, leaf]) : [["admin", group]];
      for (const path of pages) {
        const leaf = path[2];
        if (leaf)
          expect(lines, `README: tessera admin ${group} ${leaf}`).toMatch(
            new RegExp(`(^|[ |])${leaf}( |$)`, "m"),
          );
        for (const { long: flag } of flags(await help(path))) {
          if (!ADMIN_COMMON.has(flag))
            expect.soft(lines, `README: ${path.join(" ")} ${flag}`).toContain(flag);
        }
      }
    }
  });

  test("its exit codes are the ones --help gives", async () => {
    const readme = await readFile(README, "utf8");
    const table = readme.slice(readme.indexOf("## Exit codes"), readme.indexOf("## A session"));
    for (const code of ["0", "1", "2", "3"]) expect(table).toMatch(new RegExp(`^\\| ${code} \\|`, "m"));
    expect(table).toContain("128 + signal number");
    const top = (await help([])).text;
    expect(top).toContain("`exec` returns the command's own exit code.");
  });
});
