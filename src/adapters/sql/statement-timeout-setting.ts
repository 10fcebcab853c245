// Reads a session's own statement_timeout changes off the SQL it sends, so the
// client-side silence limit (postgres-watched-client.ts) can follow them: a
// session that lifts the server's limit (the migrator waiting for its lock,
// a long index build) must not be cut by the client instead.
//
// Only the plain forms are recognised: SET [SESSION | LOCAL]
// statement_timeout = / TO <value>, RESET statement_timeout, RESET ALL and
// DISCARD ALL. Anything else leaves the limit as it was.

export type TimeoutChange =
  /** SET / SET SESSION: the session's limit from now on; `Infinity` when lifted or unreadable. */
  | { readonly scope: 'session'; readonly ms: number }
  /** SET LOCAL: for the current transaction only. */
  | { readonly scope: 'local'; readonly ms: number }
  /** RESET / DISCARD ALL / SET … DEFAULT: back to the pool's default. */
  | { readonly scope: 'default' };

// The value is everything after `=`/`TO`, trimmed in code: a lazy value
// followed by optional blanks and `;` makes a failing match try every split
// of a long blank run (quadratic and worse).
// eslint-disable-next-line security/detect-unsafe-regex -- reads SQL this process sends; one optional group, each part consumes different characters, linear
const SET_TIMEOUT = /^\s*set\s+(?:(session|local)\s+)?statement_timeout\s*(?:=|\bto\b)(.*)$/is;
const RESET_TIMEOUT = /^\s*(?:reset\s+(?:statement_timeout|all)|discard\s+all)\s*;?\s*$/i;

/** PostgreSQL's time units for a setting measured in milliseconds. */
const UNIT_MS: Readonly<Record<string, number>> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
// eslint-disable-next-line security/detect-unsafe-regex -- reads SQL this process sends; one optional group, each part consumes different characters, linear
const VALUE = /^(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?$/i;

/** What a statement does to statement_timeout, or undefined when it does not touch it. */
export function statementTimeoutChange(text: string): TimeoutChange | undefined {
  if (RESET_TIMEOUT.test(text)) return { scope: 'default' };
  const set = SET_TIMEOUT.exec(text);
  if (set === null) return undefined;
  const scope = set[1]?.toLowerCase() === 'local' ? 'local' : 'session';
  const value = (set[2] ?? '')
    .trim()
    .replace(/;$/, '')
    .trim()
    .replace(/^'(.*)'$/s, '$1')
    .trim();
  if (value.toLowerCase() === 'default')
    return scope === 'local' ? undefined : { scope: 'default' };
  return { scope, ms: parseTimeout(value) };
}

/**
 * The value in milliseconds; 0 (no limit) and anything unreadable become
 * Infinity: the server then holds a limit the client cannot know, and cutting
 * a query it allows would be worse than waiting for it.
 */
function parseTimeout(value: string): number {
  const match = VALUE.exec(value);
  if (match === null) return Infinity;
  const ms = Number(match[1]) * UNIT_MS[(match[2] ?? 'ms').toLowerCase()]!;
  return ms > 0 ? ms : Infinity;
}
