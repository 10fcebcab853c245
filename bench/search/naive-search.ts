// The baseline of `npm run bench:search`: search as it is often first
// written, `ILIKE '%word%'` on every searched column, each word required,
// with the same filters and sorts as the real engine, newest first when no
// sort is asked (it has no relevance), and the total from a plain
// `count(*)` over the same condition. No facets, no typo tolerance, no
// stemming, no highlights: it does less than the real engine, and is
// measured anyway because it is the thing the real engine must beat.
// Suggestions: distinct titles containing what was typed.
//
// The page and the count run side by side on two connections, as the real
// engine's page and facets do.

import { sql, type Kysely, type RawBuilder } from 'kysely';
import { wordsOf } from '../../src/adapters/search/query-text.ts';
import type { SearchFilters, SearchQuery } from '../../src/ports/search.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';

export interface NaiveSearch {
  search(query: SearchQuery): Promise<{ readonly ids: readonly string[]; readonly total: number }>;
  suggest(prefix: string): Promise<readonly string[]>;
}

const SUGGESTIONS = 10;

/** `word` as an ILIKE pattern matching it anywhere (words are letters and digits only). */
const anywhere = (word: string): string => `%${word}%`;

function whereSql(query: SearchQuery): RawBuilder<unknown> {
  const filters: SearchFilters = query.filters ?? {};
  const parts: RawBuilder<unknown>[] = [sql`true`];
  for (const word of wordsOf(query.text ?? '')) {
    const pattern = anywhere(word);
    parts.push(sql`(p.title ilike ${pattern} or p.description ilike ${pattern}
      or b.name ilike ${pattern} or c.name ilike ${pattern}
      or array_to_string(p.tags, ' ') ilike ${pattern})`);
  }
  if (filters.category !== undefined) parts.push(sql`c.slug = ${filters.category}`);
  if (filters.brand !== undefined) parts.push(sql`b.slug = ${filters.brand}`);
  if (filters.minPrice !== undefined) parts.push(sql`p.price_amount >= ${filters.minPrice}`);
  if (filters.maxPrice !== undefined) parts.push(sql`p.price_amount <= ${filters.maxPrice}`);
  if (filters.inStock === true) parts.push(sql`p.stock > 0`);
  return sql.join(parts, sql` and `);
}

function orderSql(query: SearchQuery): RawBuilder<unknown> {
  switch (query.sort ?? 'newest') {
    case 'price':
      return sql`p.price_amount asc, p.id asc`;
    case '-price':
      return sql`p.price_amount desc, p.id asc`;
    case 'newest':
    case 'relevance':
      return sql`p.created_at desc, p.id desc`;
  }
}

const FROM = sql`products p join brands b on b.id = p.brand_id join categories c on c.id = p.category_id`;

/** The baseline's two statements for a search: the page, and the plain count. */
export function naiveSearchStatements(query: SearchQuery): {
  readonly page: RawBuilder<{ id: string }>;
  readonly count: RawBuilder<{ total: number }>;
} {
  const where = whereSql(query);
  return {
    page: sql<{ id: string }>`
      select p.id::text as id, p.title, p.price_amount, p.currency, p.stock,
             b.slug as brand_slug, b.name as brand_name, c.slug as category_slug, c.name as category_name
      from ${FROM} where ${where}
      order by ${orderSql(query)}
      limit ${query.limit} offset ${query.offset ?? 0}`,
    count: sql<{ total: number }>`select count(*)::int as total from ${FROM} where ${where}`,
  };
}

/** The baseline's suggestion: distinct titles containing what was typed. */
export function naiveSuggestStatement(prefix: string): RawBuilder<{ title: string }> | undefined {
  const typed = wordsOf(prefix).join(' ');
  if (typed === '') return undefined;
  return sql<{ title: string }>`
    select distinct p.title from products p
    where p.title ilike ${anywhere(typed)}
    order by p.title
    limit ${SUGGESTIONS}`;
}

export function createNaiveSearch<DB>(database: SqlDatabase<DB>): NaiveSearch {
  const db = (): Kysely<DB> => database.reader;
  return {
    async search(query) {
      const { page, count } = naiveSearchStatements(query);
      const [hits, counted] = await Promise.all([page.execute(db()), count.execute(db())]);
      return { ids: hits.rows.map((row) => row.id), total: counted.rows[0]?.total ?? 0 };
    },

    async suggest(prefix) {
      const statement = naiveSuggestStatement(prefix);
      if (statement === undefined) return [];
      const { rows } = await statement.execute(db());
      return rows.map((row) => row.title);
    },
  };
}
