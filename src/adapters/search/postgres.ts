// Product search on PostgreSQL — PGlite or a server — over the catalog's own
// tables (migrations/0018_search.sql): no second copy to keep in step, so a
// product is findable the moment its write commits and gone the moment its
// delete does.
//
// A query runs in three steps, every value bound as a parameter:
// 1. Corrections: each loose word that is not in the vocabulary
//    (`search_terms`) and does not start any term there is replaced by its
//    nearest terms by trigram distance (pg_trgm `<->`, answered in order by
//    the GiST index): "headfones" finds "headphones". Words the vocabulary
//    knows, or that start a term it knows, are left alone.
// 2. The page: products whose document matches the expanded query (each
//    word, its completions, its corrections), filtered, ranked by
//    ts_rank with field weights (title over brand/category/tags over
//    description), plus the rank against websearch_to_tsquery of the text as
//    typed — so exact words beat completions and corrections — with in-stock
//    products lifted; ts_headline marks the matches.
// 3. The total and the facets over the same filtered set, in one statement.

import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { SqlDatabase } from '../../ports/sql.ts';
import {
  MATCH_END,
  MATCH_START,
  MAX_SUGGESTIONS,
  PRICE_BUCKET_EDGES,
  type FacetCount,
  type PriceBucket,
  type SearchEngine,
  type SearchFilters,
  type SearchHit,
  type SearchQuery,
  type SearchResult,
} from '../../ports/search.ts';
import { looseWords, MIN_PREFIX_LENGTH, parseQueryText, toTsquery, wordsOf } from './query-text.ts';

/** ts_rank's weights for D, C, B, A: title 1, brand/category/tags 0.4, description 0.2. */
const FIELD_WEIGHTS = '{0.05, 0.2, 0.4, 1.0}';
/** A product in stock ranks this many times higher than the same product sold out. */
const IN_STOCK_BOOST = 1.25;
/**
 * How alike (pg_trgm similarity, 0 to 1) a term must be to stand in for a
 * misspelt word: below pg_trgm's default 0.3, so one transposed pair in a
 * six-letter word ("camrea" for "camera", 0.25) still counts.
 */
const MIN_SIMILARITY = 0.2;
/**
 * Stricter for completions: a query that finds nothing is worth a guess, but
 * a suggestion list fills up with whatever is near a three-letter prefix.
 */
const SUGGEST_MIN_SIMILARITY = 0.3;
/** Corrections per misspelt word: the nearest few, so one bad guess does not decide. */
const CORRECTIONS_PER_WORD = 2;
/** Completions weighed per suggest call, of each kind (prefix, resemblance). */
const CANDIDATES = 40;
const SAFE_TERM = /^[\p{L}\p{N}]+$/u;
const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, HighlightAll=true`;
const FRAGMENT_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxWords=20, MinWords=8, MaxFragments=1`;

interface HitRow {
  id: string;
  title: string;
  brand_slug: string;
  brand_name: string;
  category_slug: string;
  category_name: string;
  price_amount: number;
  currency: string;
  stock: number;
  score: number;
  title_highlight: string;
  description_highlight: string;
}

interface FacetRow {
  total: number;
  categories: FacetCount[] | null;
  brands: FacetCount[] | null;
  prices: { bucket: number; count: number }[] | null;
}

// Any database with the catalog's tables and 0018's additions will do: the
// adapter runs raw SQL, so it asks nothing of the table types.
export function createPostgresSearch<DB>(database: SqlDatabase<DB>): SearchEngine {
  const db = (): Kysely<DB> => database.reader;

  async function corrections(words: readonly string[]): Promise<Map<string, string[]>> {
    const candidates = words.filter((word) => word.length >= MIN_PREFIX_LENGTH + 1);
    const found = new Map<string, string[]>();
    if (candidates.length === 0) return found;
    const { rows } = await sql<{ word: string; term: string }>`
      select w.word, c.term
      from unnest(${candidates}::text[]) as w(word)
      cross join lateral (
        select t.term from search_terms t
        where not exists (select 1 from search_terms k where k.term like w.word || '%')
        order by t.term <-> w.word, t.term
        limit ${CORRECTIONS_PER_WORD}
      ) as c
      where similarity(c.term, w.word) >= ${MIN_SIMILARITY}`.execute(db());
    for (const { word, term } of rows) {
      if (!SAFE_TERM.test(term)) continue;
      found.set(word, [...(found.get(word) ?? []), term]);
    }
    return found;
  }

  function filterSql(filters: SearchFilters): RawBuilder<unknown> {
    const parts: RawBuilder<unknown>[] = [sql`true`];
    if (filters.category !== undefined) parts.push(sql`c.slug = ${filters.category}`);
    if (filters.brand !== undefined) parts.push(sql`b.slug = ${filters.brand}`);
    if (filters.minPrice !== undefined) parts.push(sql`p.price_amount >= ${filters.minPrice}`);
    if (filters.maxPrice !== undefined) parts.push(sql`p.price_amount <= ${filters.maxPrice}`);
    if (filters.inStock === true) parts.push(sql`p.stock > 0`);
    return sql.join(parts, sql` and `);
  }

  function orderSql(query: SearchQuery, hasText: boolean): RawBuilder<unknown> {
    switch (query.sort ?? 'relevance') {
      case 'price':
        return sql`p.price_amount asc, p.id asc`;
      case '-price':
        return sql`p.price_amount desc, p.id asc`;
      case 'newest':
        return sql`p.created_at desc, p.id desc`;
      case 'relevance':
        return hasText ? sql`score desc, p.id asc` : sql`p.created_at desc, p.id desc`;
    }
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
      const hasText = clauses.length > 0;
      const corrected = hasText
        ? await corrections(looseWords(clauses))
        : new Map<string, string[]>();
      const expanded = toTsquery(clauses, corrected);
      // An exclusion-only query ("-refurbished") matches everything else.
      const tsquery = sql`to_tsquery('product_search', ${expanded})`;
      const typed = sql`websearch_to_tsquery('product_search', ${text})`;
      const where = sql.join(
        [hasText ? sql`p.search @@ ${tsquery}` : sql`true`, filterSql(query.filters ?? {})],
        sql` and `,
      );
      const from = sql`products p join brands b on b.id = p.brand_id join categories c on c.id = p.category_id`;
      const score = hasText
        ? sql`(ts_rank(${FIELD_WEIGHTS}::float4[], p.search, ${tsquery})
               + ts_rank(${FIELD_WEIGHTS}::float4[], p.search, ${typed}))
              * (case when p.stock > 0 then ${IN_STOCK_BOOST}::float8 else 1 end)`
        : sql`0`;
      const highlightQuery = hasText
        ? sql`to_tsquery('product_search', ${toTsquery(clauses, corrected, 'any')})`
        : sql`''::tsquery`;

      const page = sql<HitRow>`
        select p.id::text as id, p.title, b.slug as brand_slug, b.name as brand_name,
               c.slug as category_slug, c.name as category_name,
               p.price_amount, p.currency, p.stock, (${score})::float8 as score,
               ts_headline('product_search', p.title, ${highlightQuery}, ${HEADLINE_OPTIONS}) as title_highlight,
               ts_headline('product_search', regexp_replace(p.description, '<[^>]*>', ' ', 'g'),
                           ${highlightQuery}, ${FRAGMENT_OPTIONS}) as description_highlight
        from ${from}
        where ${where}
        order by ${orderSql(query, hasText)}
        limit ${query.limit} offset ${query.offset ?? 0}`;

      const facets = sql<FacetRow>`
        with matched as (
          select p.price_amount, b.slug as brand_slug, b.name as brand_name,
                 c.slug as category_slug, c.name as category_name
          from ${from}
          where ${where}
        )
        select
          (select count(*)::int from matched) as total,
          (select json_agg(json_build_object('slug', slug, 'name', name, 'count', n) order by n desc, slug)
             from (select category_slug as slug, category_name as name, count(*)::int as n
                   from matched group by 1, 2) f) as categories,
          (select json_agg(json_build_object('slug', slug, 'name', name, 'count', n) order by n desc, slug)
             from (select brand_slug as slug, brand_name as name, count(*)::int as n
                   from matched group by 1, 2) f) as brands,
          (select json_agg(json_build_object('bucket', bucket, 'count', n))
             from (select width_bucket(price_amount, ${[...PRICE_BUCKET_EDGES]}::int[]) as bucket,
                          count(*)::int as n
                   from matched group by 1) f) as prices`;

      const [hits, counts] = await Promise.all([page.execute(db()), facets.execute(db())]);
      const row = counts.rows[0];
      return {
        hits: hits.rows.map(toHit),
        total: row?.total ?? 0,
        facets: {
          categories: row?.categories ?? [],
          brands: row?.brands ?? [],
          prices: buckets(row?.prices ?? []),
        },
      };
    },

    async suggest(prefix, limit = MAX_SUGGESTIONS) {
      const words = wordsOf(prefix);
      const last = words.at(-1);
      if (last === undefined) return [];
      const lead = words.slice(0, -1);
      const wanted = Math.max(1, Math.min(limit, MAX_SUGGESTIONS));
      // Completions of the last word first (shortest, then alphabetical),
      // then — for a word of three letters or more — terms it resembles, for
      // the typo in the middle of typing. Each is kept only if the whole
      // completed query still finds a product, which also drops terms left
      // behind by deleted products.
      const { rows } = await sql<{ term: string }>`
        select term from (
          (select t.term, 0 as tier, 0::float4 as distance
           from search_terms t
           where t.term like ${last} || '%'
           order by char_length(t.term), t.term
           limit ${CANDIDATES})
          union all
          (select t.term, 1, t.term <-> ${last}
           from search_terms t
           where char_length(${last}) >= ${MIN_PREFIX_LENGTH}
             and similarity(t.term, ${last}) >= ${SUGGEST_MIN_SIMILARITY}
           order by t.term <-> ${last}, t.term
           limit ${CANDIDATES})
        ) candidates
        where exists (
          select 1 from products p
          where p.search @@ to_tsquery('product_search',
            array_to_string(${lead}::text[] || array[term], ' & ')))
        group by term
        order by min(tier), min(distance), char_length(term), term
        limit ${wanted}`.execute(db());
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
