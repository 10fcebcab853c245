// Rows per table in the public schema: what a backup holds, printed by the
// backup and restore commands and compared by their round-trip test.

import { sql, type Kysely } from 'kysely';

export async function tableRowCounts<DB>(db: Kysely<DB>): Promise<Record<string, number>> {
  const tables = await sql<{ name: string }>`
    select c.relname as name from pg_class c
    where c.relkind in ('r', 'p') and c.relnamespace = 'public'::regnamespace
    order by c.relname`.execute(db);
  const counts: Record<string, number> = {};
  for (const { name } of tables.rows) {
    const result = await sql<{ count: string }>`
      select count(*)::text as count from ${sql.table(name)}`.execute(db);
    counts[name] = Number(result.rows[0]?.count ?? 0);
  }
  return counts;
}

/** `12 tables, 345 rows (users 5, products 200, …)`: empty tables left out. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  const rows = entries.reduce((sum, [, count]) => sum + count, 0);
  const filled = entries.filter(([, count]) => count > 0);
  return `${entries.length} tables, ${rows} rows (${filled
    .map(([table, count]) => `${table} ${count}`)
    .join(', ')})`;
}
