import { type SQL, fillPlaceholders } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Queryable } from "./driver.js";

/**
 * Compiling Drizzle SQL to text and parameters, and prepared statements: a hot statement is
 * compiled once, with named placeholders, and runs under a stable name, so a call costs what a
 * hand-written `pg` query costs (no per-call query building, one plan per connection).
 */

const dialect = new PgDialect();

/** A compiled statement: PostgreSQL text with `$n` parameters. */
export interface Compiled {
  text: string;
  params: unknown[];
}

/** Compiles Drizzle SQL (values become parameters, identifiers are quoted). */
export function compile(query: SQL): Compiled {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return { text, params };
}

/** Runs Drizzle SQL once (unprepared). */
export async function run<R = Record<string, unknown>>(q: Queryable, query: SQL): Promise<R[]> {
  const { text, params } = compile(query);
  return q.query<R>(text, params);
}

/** A statement compiled once with `sql.placeholder(...)` values, run by name with values bound per call. */
export class Prepared {
  private readonly compiled: Compiled;

  constructor(
    /** Unique statement name (prefixed, so it never collides with the host app's). */
    readonly name: string,
    query: SQL,
  ) {
    this.compiled = compile(query);
  }

  /** The compiled SQL text (for EXPLAIN and side-by-side benchmarks). */
  get text(): string {
    return this.compiled.text;
  }

  /** Placeholder names in parameter order. */
  get parameterNames(): string[] {
    return this.compiled.params.map((p) => (p as { name?: string }).name ?? "");
  }

  /** Runs the statement with `values` for its placeholders; prepared by name when `named`. */
  execute<R = Record<string, unknown>>(q: Queryable, values: Record<string, unknown>, named = true): Promise<R[]> {
    const params = fillPlaceholders(this.compiled.params, values);
    return q.query<R>(this.compiled.text, params, named ? this.name : undefined);
  }
}
