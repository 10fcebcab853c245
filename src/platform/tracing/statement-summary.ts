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

const OPERATION = /^\s*(?:\/\*[\s\S]*?\*\/\s*)*([a-zA-Z]+)/;
const TABLE =
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
