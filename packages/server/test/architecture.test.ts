import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith(".ts") ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [
    ...text.matchAll(/(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g),
  ];
  return specifiers.map((m) => m[1] ?? m[2] ?? "").filter((s) => s.startsWith("."));
}

/** The layer a file belongs to: the first directory under src/. */
function layerOf(file: string): string {
  return relative(SRC, file).split("/")[0] ?? "";
}

describe("server layering (DESIGN.md §2)", () => {
  const FORBIDDEN: Record<string, string[]> = {
    protocol: ["http", "store", "config"],
    domain: ["http", "store", "config", "protocol"],
    store: ["http"],
  };

  test("protocol/ and domain/ import nothing from http/ or store/; store/ nothing from http/", () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const banned = FORBIDDEN[layerOf(file)];
      if (!banned) continue;
      for (const specifier of importsOf(file)) {
        const target = layerOf(resolve(join(file, ".."), specifier));
        if (banned.includes(target)) violations.push(`${relative(SRC, file)} imports ${specifier}`);
      }
    }
    expect(violations).toEqual([]);
  });

  test("the checker sees imports (guards against a regex that matches nothing)", () => {
    const all = sourceFiles(SRC).flatMap(importsOf);
    expect(all.length).toBeGreaterThan(50);
    expect(importsOf(join(SRC, "services.ts"))).toContain("./store/repositories/index.js");
  });

  test("only main.ts reads the process environment", () => {
    const readers = sourceFiles(SRC)
      .filter((f) => /process\.env/.test(readFileSync(f, "utf8")))
      .map((f) => relative(SRC, f));
    expect(readers).toEqual(["main.ts"]);
  });
});
