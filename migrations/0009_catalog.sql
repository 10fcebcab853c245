-- The product list (GET /api/v1/products and /api/v2/products) sorts by
-- price, title, createdAt, stock or id, always with id last as the
-- tiebreaker. Price already has its indexes, alone and within a category
-- (0002). These two let the whole-catalog orders by title and by creation
-- time read one page in index order — forwards or backwards, by cursor or by
-- offset — instead of sorting every product for each page.
--
-- Stock gets no index on purpose: every order changes it, and an index on it
-- would make those updates non-HOT (every index of the row rewritten) on the
-- busiest write path. A stock-sorted page is a top-N sort of the filtered rows.

create index products_created_idx on products (created_at, id);
create index products_title_idx on products (title, id);
