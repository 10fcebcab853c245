// A statement's name for its span: the operation and the table it is about
// (`SELECT products`, `INSERT outbox`), the low-cardinality summary the
// database semantic conventions ask for. Never the values: Kysely sends them
// as parameters, and the name is built from the text's first words alone.

/** Distinct statement texts remembered; the service runs a few hundred shapes. */
const CACHE_LIMIT = 1000;
const cache = new Map<string, StatementSummary>();

export interface StatementSummary {
  /** `SELECT`, `INSERT`, `BEGIN`…; upper case. */
  readonly operation: string;
  /** The first table named after FROM / INTO / UPDATE, when there is one. */
  readonly table: string | undefined;
  /** `operation table`, or the operation alone. */
  readonly name: string;
}

// A comment's body cannot run past its own `*/`: with a lazy `[\s\S]*?`
// one comment could also swallow the next ones, and a failing match tried
// every way of grouping a row of comments (exponential).
// eslint-disable-next-line security/detect-unsafe-regex -- each repetition is one whole comment and starts with "/*": linear
const OPERATION = /^\s*(?:\/\*(?:[^*]|\*(?!\/))*\*\/\s*)*([a-zA-Z]+)/;
const TABLE =
  // eslint-disable-next-line security/detect-unsafe-regex -- reads SQL this process sends, never request text; alternatives start with different characters, so no backtracking blow-up
  /\b(?:from|into|update|join)\s+((?:"[^"]+"|[a-zA-Z_][\w$]*)(?:\.(?:"[^"]+"|[a-zA-Z_][\w$]*))?)/i;

export function statementSummary(text: string): StatementSummary {
  let summary = cache.get(text);
  if (summary !== undefined) return summary;
  summary = summarize(text);
  if (cache.size < CACHE_LIMIT) cache.set(text, summary);
  return summary;
}

function summarize(text: string): StatementSummary {
  const operation = (OPERATION.exec(text)?.[1] ?? 'SQL').toUpperCase();
  const found = TABLE.exec(text)?.[1];
  const table = found?.replaceAll('"', '');
  return { operation, table, name: table === undefined ? operation : `${operation} ${table}` };
}
