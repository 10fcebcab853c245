// Product search on PostgreSQL — PGlite or a server — over the catalog's own
// tables (migrations/0018_search.sql): no second copy to keep in step, so a
// product is findable the moment its write commits and gone the moment its
// delete does.
//
// A query runs in three steps, every value bound as a parameter (the SQL is
// in statements.ts):
// 1. Corrections: each loose word that is not in the vocabulary
//    (`search_terms`) and does not start any term there is replaced by its
//    nearest terms by trigram distance (pg_trgm `<->`, answered in order by
//    the GiST index): "headfones" finds "headphones". Words the vocabulary
//    knows, or that start a term it knows, are left alone.
// 2. The products whose document matches the expanded query (each word, its
//    completions, its corrections), filtered, ranked by ts_rank with field
//    weights (title over brand/category/tags over description), plus the
//    rank against websearch_to_tsquery of the text as typed — so exact words
//    beat completions and corrections — with in-stock products lifted; from
//    that one set, the page (ts_headline marking the matches) and the total
//    and facets, in one statement. Without text (a filtered listing), the
//    page and the counts are two statements run side by side.

import type { Kysely } from 'kysely';
import type { SqlDatabase } from '../../ports/sql.ts';
import {
  PRICE_BUCKET_EDGES,
  type PriceBucket,
  type SearchEngine,
  type SearchHit,
  type SearchResult,
} from '../../ports/search.ts';
import { looseWords, parseQueryText, wordsOf } from './query-text.ts';
import {
  correctionsStatement,
  searchStatements,
  suggestStatement,
  type FacetRow,
  type HitRow,
} from './statements.ts';

const SAFE_TERM = /^[\p{L}\p{N}]+$/u;

// Any database with the catalog's tables and 0018's additions will do: the
// adapter runs raw SQL, so it asks nothing of the table types.
export function createPostgresSearch<DB>(database: SqlDatabase<DB>): SearchEngine {
  const db = (): Kysely<DB> => database.reader;

  async function corrections(words: readonly string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    const statement = correctionsStatement(words);
    if (statement === undefined) return found;
    const { rows } = await statement.execute(db());
    for (const { word, term } of rows) {
      if (!SAFE_TERM.test(term)) continue;
      found.set(word, [...(found.get(word) ?? []), term]);
    }
    return found;
  }

  const emptyResult = (): SearchResult => ({
    hits: [],
    total: 0,
    facets: { categories: [], brands: [], prices: buckets([]) },
  });

  return {
    name: 'postgres',

    async search(query) {
      const text = query.text?.trim() ?? '';
      const clauses = parseQueryText(text);
      if (text !== '' && clauses.length === 0) return emptyResult();
      const corrected =
        clauses.length > 0 ? await corrections(looseWords(clauses)) : new Map<string, string[]>();
      const statements = searchStatements(query, clauses, corrected);
      let hits: readonly HitRow[];
      let counts: FacetRow | undefined;
      if (statements.kind === 'text') {
        const row = (await statements.search.execute(db())).rows[0];
        hits = row?.hits ?? [];
        counts = row;
      } else {
        const [page, facets] = await Promise.all([
          statements.page.execute(db()),
          statements.facets.execute(db()),
        ]);
        hits = page.rows;
        counts = facets.rows[0];
      }
      return {
        hits: hits.map(toHit),
        total: counts?.total ?? 0,
        facets: {
          categories: counts?.categories ?? [],
          brands: counts?.brands ?? [],
          prices: buckets(counts?.prices ?? []),
        },
      };
    },

    async suggest(prefix, limit) {
      const statement = suggestStatement(prefix, limit);
      if (statement === undefined) return [];
      const { rows } = await statement.execute(db());
      // The words before the completed one, as the statement read them.
      const lead = wordsOf(prefix).slice(0, -1);
      const head = lead.length === 0 ? '' : `${lead.join(' ')} `;
      return rows.filter(({ term }) => SAFE_TERM.test(term)).map(({ term }) => head + term);
    },
  };
}

function toHit(row: HitRow): SearchHit {
  return {
    id: row.id,
    title: row.title,
    brand: { slug: row.brand_slug, name: row.brand_name },
    category: { slug: row.category_slug, name: row.category_name },
    price: { amount: row.price_amount, currency: row.currency.trim() },
    inStock: row.stock > 0,
    score: row.score,
    highlights: { title: row.title_highlight, description: row.description_highlight.trim() },
  };
}

/** Every bucket, empty ones included, in order (width_bucket numbers them from 1). */
function buckets(counted: readonly { bucket: number; count: number }[]): PriceBucket[] {
  return PRICE_BUCKET_EDGES.map((from, index) => ({
    from,
    to: PRICE_BUCKET_EDGES[index + 1] ?? null,
    count: counted.find((entry) => entry.bucket === index + 1)?.count ?? 0,
  }));
}
