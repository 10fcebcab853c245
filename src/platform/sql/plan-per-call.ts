// Statements whose best plan depends on their values. Named statements
// (adapters/sql/statement-names.ts) let PostgreSQL plan a statement once for
// any values — a generic plan — after a few runs. That is the point for a
// row by key: measured on the product read, 31k reads a second with the
// generic plan against 15k planning each call. It is wrong where the values
// decide the plan: how many products a full-text query matches, whether a
// `like $1 || '%'` prefix can use an index. Measured on the search at 100,000
// products, the generic plans doubled the median (typo'd query 9 → 22 ms).
// A statement that starts with this mark is sent unnamed, so it is planned
// for its own values each time.

import { sql, type RawBuilder } from 'kysely';

export const PLAN_PER_CALL_MARK = '/* plan per call */';

/** `statement`, marked to be planned for its own values on every call. */
export function planPerCall<T>(statement: RawBuilder<T>): RawBuilder<T> {
  return sql<T>`${sql.raw(PLAN_PER_CALL_MARK)} ${statement}`;
}
