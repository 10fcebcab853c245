-- Product search (src/adapters/search/postgres.ts), on PGlite and PostgreSQL.
--
-- The search document becomes weighted by field — title A, brand, category
-- and tags B, description C — and accent-blind: `product_search` is the
-- English configuration with unaccent in front of the stemmer, so "Crème"
-- and "creme" meet. Brand and category names live in their own tables, which
-- a generated column cannot read, so a trigger writes the document; it fires
-- only when a searched column changes, never on stock updates (the busiest
-- write path).
--
-- `search_terms` is the vocabulary of titles, brands, categories and tags,
-- unaccented and lower-cased: a half-typed query word is completed from it
-- (a range of the primary key), a misspelt one corrected to its nearest
-- terms — nearest by trigram distance, which the GiST index answers in
-- order (`order by term <-> word`), so a typo too far for pg_trgm's fixed
-- similarity threshold (a transposition in a short word) is still found.
-- Terms are only ever added; a term left by a deleted product matches no
-- product, and the queries check that before offering one.

create extension if not exists unaccent;

create text search configuration product_search (copy = english);
alter text search configuration product_search
  alter mapping for hword, hword_part, word with unaccent, english_stem;

-- Byte order (collate "C"), so `term like 'abc%'` is a range of the primary key.
create table search_terms (
  term text collate "C" primary key,
  constraint search_terms_length check (char_length(term) between 2 and 40)
);
create index search_terms_trgm_idx on search_terms using gist (term gist_trgm_ops);

alter table products drop column search;
alter table products add column search tsvector not null default ''::tsvector;

create function products_search_document() returns trigger
language plpgsql as $$
declare
  brand_name text;
  category_name text;
  labels text;
begin
  select name into brand_name from brands where id = new.brand_id;
  select name into category_name from categories where id = new.category_id;
  labels := coalesce(brand_name, '') || ' ' || coalesce(category_name, '') || ' '
    || array_to_string(new.tags, ' ');
  new.search :=
    setweight(to_tsvector('product_search', new.title), 'A') ||
    setweight(to_tsvector('product_search', labels), 'B') ||
    setweight(to_tsvector('product_search', new.description), 'C');
  insert into search_terms (term)
  select distinct word
  from regexp_split_to_table(lower(unaccent(new.title || ' ' || labels)), '[^[:alnum:]]+') as word
  where char_length(word) between 2 and 40 and word !~ '^[0-9]+$'
  on conflict do nothing;
  return new;
end
$$;

create trigger products_search_document
  before insert or update of title, description, tags, brand_id, category_id on products
  for each row execute function products_search_document();

-- Fills the new column and the vocabulary for the rows already there.
update products set title = title;

create index products_search_idx on products using gin (search);
