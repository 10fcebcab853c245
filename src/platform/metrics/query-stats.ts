// Query duration by statement, for the USE view of the database: which
// statements take the time, and which fail. Fed by the engines' query log
// (platform/sql/query-observers.ts), kept in plain numbers (labelled-stats.ts).
//
// A statement is labelled by what it does and to which table — `select
// products`, `insert jobs`, `update outbox` — read from its text: the texts
// come from code (Kysely builds them; values are parameters), so the labels
// name the code's statements, and many shapes of one query (different
// filters, batch sizes) count together. The label set is still bounded: SQL
// built at run time (names generated per call, a client's column choices)
// could otherwise add series without end, so past `maxStatements` distinct
// labels every new one counts as `other`.

import type { QueryEvent } from '../../ports/sql.ts';
import { HistogramStats, Tally } from './labelled-stats.ts';

/**
 * Seconds: a row by key takes a fraction of a millisecond, a page of a list
 * a few, and the statement timeout cuts everything off at 15 s.
 */
export const QUERY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15,
] as const;

/** Distinct statement labels before the rest count as `other`; the service has about a hundred. */
export const DEFAULT_MAX_STATEMENTS = 200;

/** Texts whose label is remembered; past this, a text is read again each time (a few µs). */
const REMEMBERED_TEXTS = 5000;

// eslint-disable-next-line security/detect-unsafe-regex -- reads statement texts from the database, never request text; it may match nothing, so it never fails and never backtracks
const LEADING_COMMENTS = /^(?:\s+|\/\*[\s\S]*?\*\/|--[^\n]*\n)*/;
const TABLE =
  // eslint-disable-next-line security/detect-unsafe-regex -- reads statement texts from the database, never request text; alternatives start with different characters, so no backtracking blow-up
  /\b(?:from|into|update)\s+(?:only\s+)?("?)([A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?)\1/gi;

/**
 * The statement's own table: the first one named outside parentheses, so a
 * scalar subquery in the select list (`select …, (select … from images) …
 * from products`) does not name it; else the first one named at all (a
 * statement whose only tables are in subqueries or CTEs).
 */
function tableOf(body: string): string | undefined {
  let first: string | undefined;
  let depth = 0;
  let scanned = 0;
  for (const match of body.matchAll(TABLE)) {
    for (; scanned < match.index; scanned += 1) {
      if (body[scanned] === '(') depth += 1;
      else if (body[scanned] === ')') depth -= 1;
    }
    const table = match[2]?.toLowerCase();
    if (depth <= 0) return table;
    first ??= table;
  }
  return first;
}

/** `select products`, `insert jobs`, `begin`: what a statement does, and to which table. */
export function statementLabel(text: string): string {
  const body = text.replace(LEADING_COMMENTS, '');
  const verb = /^[A-Za-z]+/.exec(body)?.[0]?.toLowerCase() ?? 'unknown';
  const table = tableOf(body);
  return table === undefined ? verb : `${verb} ${table}`;
}

export class QueryStats {
  readonly durations = new HistogramStats(['database', 'statement'], QUERY_BUCKETS);
  readonly failures = new Tally(['database', 'statement']);
  readonly #labels = new Set<string>();
  readonly #byText = new Map<string, string>();
  readonly #max: number;

  constructor(maxStatements: number = DEFAULT_MAX_STATEMENTS) {
    this.#max = maxStatements;
  }

  /** The observer to hand to `SqlDatabase.observeQueries`. */
  readonly observe = (event: QueryEvent): void => {
    const statement = this.label(event.sql);
    this.durations.record([event.database, statement], event.durationMs / 1000);
    if (event.failed) this.failures.add([event.database, statement]);
  };

  /** The bounded label of a statement's text. */
  label(text: string): string {
    const known = this.#byText.get(text);
    if (known !== undefined) return known;
    let label = statementLabel(text);
    if (!this.#labels.has(label)) {
      if (this.#labels.size >= this.#max) label = 'other';
      else this.#labels.add(label);
    }
    if (this.#byText.size < REMEMBERED_TEXTS) this.#byText.set(text, label);
    return label;
  }
}
