// Names for the statements a process sends again and again, so that each
// PostgreSQL connection parses and plans them once instead of on every call.
//
// An unnamed statement is parsed, analysed and planned for each execution;
// for a short query (a row by key with two joins) that is most of the
// server's work: measured here, the same product read through a pool of 10
// ran 1.8–3.3× faster as a named statement. node-postgres prepares a named
// statement on a connection the first time it sends it there and only binds
// and executes it after that.
//
// Every distinct text gets one name for the life of the process, so no two
// texts ever share a name on a connection (pg refuses that). Only statements
// with parameters are named: they are the ones the service repeats (Kysely
// compiles every value into a parameter), while parameterless text —
// migrations, `begin`, `set` — may hold several commands, which a prepared
// statement cannot. The names are bounded: statements past the limit run
// unnamed, so generated SQL with many shapes cannot make every connection
// hold an unbounded set of plans on the server. Statements marked to be
// planned per call (platform/sql/plan-per-call.ts) stay unnamed too.

import { PLAN_PER_CALL_MARK } from '../../platform/sql/plan-per-call.ts';

/** Distinct statement texts named per process; the service runs a few hundred shapes. */
export const DEFAULT_NAMED_STATEMENTS = 1000;

export class StatementNames {
  readonly #names = new Map<string, string>();
  readonly #limit: number;

  constructor(limit: number = DEFAULT_NAMED_STATEMENTS) {
    this.#limit = limit;
  }

  /** The name `text` runs under, or undefined to run it unnamed. */
  nameFor(text: string, parameterCount: number): string | undefined {
    if (parameterCount === 0 || text.startsWith(PLAN_PER_CALL_MARK)) return undefined;
    let name = this.#names.get(text);
    if (name === undefined && this.#names.size < this.#limit) {
      name = `tl_${this.#names.size.toString(36)}`;
      this.#names.set(text, name);
    }
    return name;
  }

  get size(): number {
    return this.#names.size;
  }
}
