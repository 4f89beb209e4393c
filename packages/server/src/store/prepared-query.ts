import type { Compilable, CompiledQuery, Kysely, QueryResult } from "kysely";
import type { Database } from "./schema.js";

const MARKER = "\u0000tessera-argument-";
const marker = (index: number) => `${MARKER}${index}\u0000`;

export interface PreparedQuery<A extends unknown[], R> {
  /** Runs the query with these arguments. */
  (...args: A): Promise<QueryResult<R>>;
  /** Runs it inside a transaction (`executor` is the transaction's Kysely). */
  in(executor: Kysely<Database>, ...args: A): Promise<QueryResult<R>>;
}

/**
 * A hot query of fixed shape, built and compiled by Kysely once. Kysely builds a query's
 * operation tree and compiles it to SQL on every call: 15–40 µs for each query of a token request,
 * more than SQLite takes to run most of them. Here the builder runs once, on first use, with a
 * marker string in place of each argument; every call then only puts its arguments where the
 * markers landed among the compiled query's parameters.
 *
 * `build` declares each argument (no defaults, no rest) and passes it through unchanged as a query
 * parameter. A builder that shapes the query by its arguments (an `in` list, an optional filter)
 * or transforms them (`toJson(x)`) leaves a marker missing or altered, and the first call throws
 * instead of running the wrong query.
 */
export function prepareQuery<A extends unknown[], R>(
  db: Kysely<Database>,
  build: (...args: A) => Compilable<R>,
): PreparedQuery<A, R> {
  let template: { compiled: CompiledQuery<R>; slots: (number | undefined)[] } | undefined;
  const compiledWith = (args: A): CompiledQuery<R> => {
    template ??= compileTemplate(build);
    const { compiled, slots } = template;
    const parameters = slots.map((slot, i) => (slot === undefined ? compiled.parameters[i] : args[slot]));
    return { ...compiled, parameters };
  };
  const run = async (...args: A) => db.executeQuery(compiledWith(args));
  run.in = async (executor: Kysely<Database>, ...args: A) => executor.executeQuery(compiledWith(args));
  return run;
}

function compileTemplate<A extends unknown[], R>(build: (...args: A) => Compilable<R>) {
  const markers = Array.from({ length: build.length }, (_, i) => marker(i));
  const compiled = build(...(markers as A)).compile();
  const slots = compiled.parameters.map((value) => {
    if (typeof value !== "string" || !value.includes(MARKER)) return undefined;
    const slot = markers.indexOf(value);
    if (slot < 0) throw new Error(`prepared query: an argument was transformed, not passed: ${compiled.sql}`);
    return slot;
  });
  for (let i = 0; i < markers.length; i++) {
    if (!slots.includes(i))
      throw new Error(`prepared query: argument ${i} is not a parameter of ${compiled.sql}`);
  }
  return { compiled, slots };
}
