// The SQL of product search on PostgreSQL (postgres.ts runs it), one builder
// per statement and every value bound as a parameter. Kept apart from the
// engine so that what is measured and explained (`npm run bench:search`,
// bench/search/explain.test.ts) is the very statement the engine runs, not
// a copy of it. The search statements are planned for their own values on
// each call (planPerCall): how many products a query matches decides their
// best plan. Suggest's is the same for every prefix, so it is a named one.

import { sql, type RawBuilder } from 'kysely';
import { planPerCall } from '../../platform/sql/plan-per-call.ts';
import {
  MATCH_END,
  MATCH_START,
  MAX_SUGGESTIONS,
  type FacetCount,
  type SearchFilters,
  type SearchQuery,
} from '../../ports/search.ts';
import { MIN_PREFIX_LENGTH, toTsquery, wordsOf, type Clause } from './query-text.ts';

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
const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, HighlightAll=true`;
const FRAGMENT_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxWords=20, MinWords=8, MaxFragments=1`;

export interface HitRow {
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

export interface FacetRow {
  total: number;
  categories: FacetCount[] | null;
  brands: FacetCount[] | null;
  prices: { bucket: number; count: number }[] | null;
}

/**
 * Each misspelt word's nearest vocabulary terms: only for words of
 * MIN_PREFIX_LENGTH + 1 letters or more that no term starts with. Undefined
 * when no word qualifies.
 */
export function correctionsStatement(
  words: readonly string[],
): RawBuilder<{ word: string; term: string }> | undefined {
  const candidates = words.filter((word) => word.length >= MIN_PREFIX_LENGTH + 1);
  if (candidates.length === 0) return undefined;
  return planPerCall(sql<{ word: string; term: string }>`
    select w.word, c.term
    from unnest(${candidates}::text[]) as w(word)
    cross join lateral (
      select t.term from search_terms t
      where not exists (select 1 from search_terms k where k.term like w.word || '%')
      order by t.term <-> w.word, t.term
      limit ${CORRECTIONS_PER_WORD}
    ) as c
    where similarity(c.term, w.word) >= ${MIN_SIMILARITY}`);
}

/** A text search's one row: the page of hits (null when empty) beside the counts. */
export interface CombinedRow extends FacetRow {
  hits: HitRow[] | null;
}

/**
 * A text search is one statement: the matching products are found and
 * ranked once, and both the page and the facets are read from that set —
 * found twice, the same scattered rows would be fetched from the table
 * twice. A listing (no text) is two: its page is read in index order and
 * stops after a page, which the counts over the whole filtered set cannot.
 */
export type SearchStatements =
  | { readonly kind: 'text'; readonly search: RawBuilder<CombinedRow> }
  | {
      readonly kind: 'listing';
      readonly page: RawBuilder<HitRow>;
      readonly facets: RawBuilder<FacetRow>;
    };

// On the products row alone (slugs through a lookup, not a join), so the
// facets can count without joining and name only the groups they find.
function filterSql(filters: SearchFilters): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`true`];
  if (filters.category !== undefined) {
    parts.push(sql`p.category_id = (select id from categories where slug = ${filters.category})`);
  }
  if (filters.brand !== undefined) {
    parts.push(sql`p.brand_id = (select id from brands where slug = ${filters.brand})`);
  }
  if (filters.minPrice !== undefined) parts.push(sql`p.price_amount >= ${filters.minPrice}`);
  if (filters.maxPrice !== undefined) parts.push(sql`p.price_amount <= ${filters.maxPrice}`);
  if (filters.inStock === true) parts.push(sql`p.stock > 0`);
  return sql.join(parts, sql` and `);
}

/** On `p`: the products row, or a set of matches with its id, price, created_at and score. */
function orderSql(query: SearchQuery, hasText: boolean): RawBuilder<unknown> {
  switch (query.sort ?? 'relevance') {
    case 'price':
      return sql`p.price_amount asc, p.id asc`;
    case '-price':
      return sql`p.price_amount desc, p.id asc`;
    case 'newest':
      return sql`p.created_at desc, p.id desc`;
    case 'relevance':
      return hasText ? sql`p.score desc, p.id asc` : sql`p.created_at desc, p.id desc`;
  }
}

/**
 * The counts over `matched` (rows with category_id, brand_id and
 * price_amount) in one pass: one count per combination of category, brand
 * and price bucket — a few hundred at most, whatever the number of rows —
 * which the facets then add up, naming only the categories and brands
 * found. One hash lookup per row; grouping sets would make three. Brand and
 * category are never null (0002), so counting by id loses no product.
 */
function cellsSql(matched: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`cells as (
      select m.category_id, m.brand_id,
             search_price_bucket(m.price_amount) as bucket,
             count(*)::int as n
      from ${matched} m
      group by 1, 2, 3
    )`;
}

const FACET_COLUMNS = sql`
      coalesce((select sum(n)::int from cells), 0) as total,
      (select json_agg(json_build_object('slug', c.slug, 'name', c.name, 'count', f.n) order by f.n desc, c.slug)
         from (select category_id, sum(n)::int as n from cells group by 1) f
         join categories c on c.id = f.category_id) as categories,
      (select json_agg(json_build_object('slug', b.slug, 'name', b.name, 'count', f.n) order by f.n desc, b.slug)
         from (select brand_id, sum(n)::int as n from cells group by 1) f
         join brands b on b.id = f.brand_id) as brands,
      (select json_agg(json_build_object('bucket', bucket, 'count', n))
         from (select bucket, sum(n)::int as n from cells group by 1) f) as prices`;

/**
 * A listing's facets. Without a price range they add up the kept counts per
 * cell (search_facet_cells, migrations/0020: category × brand × price bucket
 * × in stock), a few hundred rows whatever the catalog's size; a price range
 * can split a bucket, so with one the filtered products are counted.
 */
function listingFacets(filters: SearchFilters, where: RawBuilder<unknown>): RawBuilder<FacetRow> {
  if (filters.minPrice === undefined && filters.maxPrice === undefined) {
    const parts: RawBuilder<unknown>[] = [sql`p.n > 0`];
    if (filters.category !== undefined) {
      parts.push(sql`p.category_id = (select id from categories where slug = ${filters.category})`);
    }
    if (filters.brand !== undefined) {
      parts.push(sql`p.brand_id = (select id from brands where slug = ${filters.brand})`);
    }
    if (filters.inStock === true) parts.push(sql`p.in_stock`);
    return planPerCall(sql<FacetRow>`
      with cells as (
        select p.category_id, p.brand_id, p.bucket, p.n
        from search_facet_cells p
        where ${sql.join(parts, sql` and `)}
      )
      select ${FACET_COLUMNS}`);
  }
  return planPerCall(sql<FacetRow>`
      with filtered as (select p.category_id, p.brand_id, p.price_amount from products p where ${where}),
      ${cellsSql(sql`filtered`)}
      select ${FACET_COLUMNS}`);
}

/**
 * The statements for `query`, its text already parsed into `clauses` and
 * its misspelt words' `corrections` found (correctionsStatement).
 */
export function searchStatements(
  query: SearchQuery,
  clauses: readonly Clause[],
  corrections: ReadonlyMap<string, readonly string[]>,
): SearchStatements {
  const filters = filterSql(query.filters ?? {});
  const window = sql`limit ${query.limit} offset ${query.offset ?? 0}`;
  if (clauses.length === 0) {
    const page = planPerCall(sql<HitRow>`
      select p.id::text as id, p.title, b.slug as brand_slug, b.name as brand_name,
             c.slug as category_slug, c.name as category_name,
             p.price_amount, p.currency, p.stock, 0::float8 as score,
             ts_headline('product_search', p.title, ''::tsquery, ${HEADLINE_OPTIONS}) as title_highlight,
             ts_headline('product_search', regexp_replace(p.description, '<[^>]*>', ' ', 'g'),
                         ''::tsquery, ${FRAGMENT_OPTIONS}) as description_highlight
      from products p join brands b on b.id = p.brand_id join categories c on c.id = p.category_id
      where ${filters}
      order by ${orderSql(query, false)}
      ${window}`);
    return { kind: 'listing', page, facets: listingFacets(query.filters ?? {}, filters) };
  }

  const text = query.text?.trim() ?? '';
  // An exclusion-only query ("-refurbished") matches everything else.
  const tsquery = sql`to_tsquery('product_search', ${toTsquery(clauses, corrections)})`;
  const typed = sql`websearch_to_tsquery('product_search', ${text})`;
  const highlightQuery = sql`to_tsquery('product_search', ${toTsquery(clauses, corrections, 'any')})`;
  const search = planPerCall(sql<CombinedRow>`
    with matched as materialized (
      select p.id, p.category_id, p.brand_id, p.price_amount, p.created_at,
             ((ts_rank(${FIELD_WEIGHTS}::float4[], p.search, ${tsquery})
               + ts_rank(${FIELD_WEIGHTS}::float4[], p.search, ${typed}))
              * (case when p.stock > 0 then ${IN_STOCK_BOOST}::float8 else 1 end))::float8 as score
      from products p
      where p.search @@ ${tsquery} and ${filters}
    ),
    page as (
      select p.id, p.price_amount, p.created_at, p.score
      from matched p
      order by ${orderSql(query, true)}
      ${window}
    ),
    ${cellsSql(sql`matched`)}
    select
      (select json_agg(json_build_object(
                'id', p.id::text, 'title', d.title, 'brand_slug', b.slug, 'brand_name', b.name,
                'category_slug', c.slug, 'category_name', c.name,
                'price_amount', d.price_amount, 'currency', d.currency, 'stock', d.stock,
                'score', p.score,
                'title_highlight', ts_headline('product_search', d.title, ${highlightQuery}, ${HEADLINE_OPTIONS}),
                'description_highlight', ts_headline('product_search',
                  regexp_replace(d.description, '<[^>]*>', ' ', 'g'), ${highlightQuery}, ${FRAGMENT_OPTIONS}))
              order by ${orderSql(query, true)})
         from page p
         join products d on d.id = p.id
         join brands b on b.id = d.brand_id
         join categories c on c.id = d.category_id) as hits,
      ${FACET_COLUMNS}`);
  return { kind: 'text', search };
}

/**
 * Up to `limit` completions of the last word of `prefix`, each with the
 * words before it still finding a product. Undefined when `prefix` has no
 * word.
 */
export function suggestStatement(
  prefix: string,
  limit: number = MAX_SUGGESTIONS,
): RawBuilder<{ term: string }> | undefined {
  const words = wordsOf(prefix);
  const last = words.at(-1);
  if (last === undefined) return undefined;
  const lead = words.slice(0, -1);
  const wanted = Math.max(1, Math.min(limit, MAX_SUGGESTIONS));
  // Completions of the last word first (shortest, then alphabetical),
  // then — for a word of three letters or more — terms it resembles, for
  // the typo in the middle of typing. Each is kept only if the whole
  // completed query still finds a product, which also drops terms left
  // behind by deleted products.
  // Named like any statement: the vocabulary is small and each candidate's
  // check is one GIN probe, so one plan serves every prefix — measured, the
  // generic plan answered 1.1–2.1× the suggestions a second of planning each call.
  return sql<{ term: string }>`
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
    limit ${wanted}`;
}
