-- Facet counts for product listings without search text
-- (src/adapters/search/statements.ts).
--
-- A listing's facets count every product that passes its filters: for "all
-- in-stock products" that is nearly the whole catalog, read and grouped on
-- every request (33–45 ms at 100,000 products). Products fall into few
-- cells — category × brand × price bucket × in stock or not: a few hundred —
-- so the counts per cell are kept here, and a listing filtered by category,
-- brand and stock (no price range: a range can split a bucket) adds up cells
-- instead of reading products.
--
-- Statement-level triggers keep the cells in step, from the rows a statement
-- changed (transition tables): one grouped upsert per statement, of the net
-- change per cell. Writes that move no product between cells — a stock
-- update that leaves it above zero, a new title — change nothing here, so
-- the busiest write path (orders taking stock) pays one grouping of its own
-- rows and no write. Cells that empty keep a zero row, which the query skips.

-- The price facet's buckets, numbered from 1 as width_bucket does; the edges
-- are PRICE_BUCKET_EDGES (src/ports/search.ts; a test checks they agree).
create function search_price_bucket(price integer) returns integer
language sql immutable parallel safe
return width_bucket(price, array[0, 5000, 10000, 25000]);

create table search_facet_cells (
  category_id bigint not null,
  brand_id bigint not null,
  bucket integer not null,
  in_stock boolean not null,
  n integer not null,
  primary key (category_id, brand_id, bucket, in_stock)
);

insert into search_facet_cells (category_id, brand_id, bucket, in_stock, n)
select category_id, brand_id, search_price_bucket(price_amount), stock > 0, count(*)
from products
group by 1, 2, 3, 4;

-- One function for the three triggers: INSERT has only new rows, DELETE only
-- old ones; a branch that names a transition table its trigger lacks never runs.
create function search_facet_cells_apply() returns trigger
language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into search_facet_cells as c (category_id, brand_id, bucket, in_stock, n)
    select category_id, brand_id, search_price_bucket(price_amount), stock > 0, count(*)
    from new_rows group by 1, 2, 3, 4
    on conflict (category_id, brand_id, bucket, in_stock) do update set n = c.n + excluded.n;
  elsif tg_op = 'DELETE' then
    insert into search_facet_cells as c (category_id, brand_id, bucket, in_stock, n)
    select category_id, brand_id, search_price_bucket(price_amount), stock > 0, -count(*)
    from old_rows group by 1, 2, 3, 4
    on conflict (category_id, brand_id, bucket, in_stock) do update set n = c.n + excluded.n;
  else
    insert into search_facet_cells as c (category_id, brand_id, bucket, in_stock, n)
    select category_id, brand_id, bucket, in_stock, sum(delta)::integer
    from (
      select category_id, brand_id, search_price_bucket(price_amount) as bucket,
             stock > 0 as in_stock, -1 as delta
      from old_rows
      union all
      select category_id, brand_id, search_price_bucket(price_amount), stock > 0, 1
      from new_rows
    ) moved
    group by 1, 2, 3, 4
    having sum(delta) <> 0
    on conflict (category_id, brand_id, bucket, in_stock) do update set n = c.n + excluded.n;
  end if;
  return null;
end
$$;

create trigger search_facet_cells_insert after insert on products
  referencing new table as new_rows
  for each statement execute function search_facet_cells_apply();
create trigger search_facet_cells_update after update on products
  referencing old table as old_rows new table as new_rows
  for each statement execute function search_facet_cells_apply();
create trigger search_facet_cells_delete after delete on products
  referencing old table as old_rows
  for each statement execute function search_facet_cells_apply();

-- TRUNCATE has no transition tables: it empties the counts with the products.
create function search_facet_cells_clear() returns trigger
language plpgsql as $$
begin
  delete from search_facet_cells;
  return null;
end
$$;

create trigger search_facet_cells_truncate after truncate on products
  for each statement execute function search_facet_cells_clear();
