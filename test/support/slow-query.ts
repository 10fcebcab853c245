// A test-only route whose statement runs for 30 s on the server
// (`select pg_sleep(30)`): what a cancelled, cut or timed-out query is tried
// on. Pass it as startService's `setup`.

import { sql, type Kysely } from 'kysely';
import type { App } from '../../src/http/app.ts';

export const SLOW_QUERY_PATH = '/test/slow-query';

export function slowQueryRoute<DB>(db: Kysely<DB>): (app: App) => void {
  return (app) => {
    app.get(
      SLOW_QUERY_PATH,
      async () => {
        await sql`select pg_sleep(30)`.execute(db);
        return { finished: true };
      },
      { auth: 'public', hidden: true },
    );
  };
}
