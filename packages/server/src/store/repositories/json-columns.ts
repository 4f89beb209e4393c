/** Lists live in text columns as JSON arrays: one representation on SQLite and PostgreSQL. */
export const toJson = (value: unknown): string => JSON.stringify(value);

export function fromJsonList(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.map(String) : [];
}
