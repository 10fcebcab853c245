// Helpers for postgres:// connection URLs (libpq URI form, PostgreSQL docs
// "Connection URIs"): a form safe to log, and the same server with another
// database (test runs create a database each).

const SCHEMES = new Set(['postgres:', 'postgresql:']);

function parse(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('DATABASE_URL is not a valid URL');
  }
  if (!SCHEMES.has(parsed.protocol)) {
    throw new Error(`DATABASE_URL must start with postgres:// (got ${parsed.protocol}//)`);
  }
  return parsed;
}

/** The URL without its password, for logs and error messages. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = parse(url);
    if (parsed.password !== '') parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return '[unparseable database url]';
  }
}

/** The database name a URL points at (empty when it names none). */
export function databaseNameOf(url: string): string {
  return decodeURIComponent(parse(url).pathname.replace(/^\//, ''));
}

/** The same server and credentials, another database. */
export function withDatabaseName(url: string, database: string): string {
  const parsed = parse(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
