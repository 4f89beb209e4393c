import { type Static, Type } from "@sinclair/typebox";

/** Cursor pagination shared by every list: `after` is the sort key of the last item seen. */
export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    after: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
export type IdParams = Static<typeof IdParams>;

/** One page of a list and the cursor of the next (absent on the last page). */
export function page<T>(items: T[], limit: number, cursor: (item: T) => string) {
  const last = items[items.length - 1];
  return { items, ...(items.length === limit && last !== undefined ? { next: cursor(last) } : {}) };
}
