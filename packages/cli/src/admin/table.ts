import type { Output } from "../context.js";

/** A column: its header and how to show one row's value. */
export type Column<T> = [header: string, value: (row: T) => unknown];

/** A value as one table cell: `-` for nothing, lists joined, never a line break. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === "") return "-";
  if (Array.isArray(value)) return value.length ? value.map(cell).join(" ") : "-";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value).replace(/\s*[\r\n]+\s*/g, " ");
}

/** Rows under upper-case headers, columns aligned with two spaces; the last column is not padded. */
export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = [
    columns.map(([header]) => header),
    ...rows.map((row) => columns.map(([, f]) => cell(f(row)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => [...(line[i] ?? "")].length)));
  return cells
    .map((line) =>
      line
        .map((text, i) =>
          i === line.length - 1 ? text : text + " ".repeat((widths[i] ?? 0) - [...text].length),
        )
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

/** `Label: value` lines with the values aligned. */
export function formatRecord(pairs: readonly [string, unknown][]): string {
  const width = Math.max(...pairs.map(([label]) => label.length)) + 1;
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(width)} ${cell(value)}\n`).join("");
}

export function writeJson(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
