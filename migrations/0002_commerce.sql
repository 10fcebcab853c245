-- The commerce schema: users, the catalog, orders. Invariants live in
-- constraints (the database refuses what the code must never do) and every
-- foreign key says what happens on delete.

create table users (
  id bigint generated always as identity primary key,
  email text not null,
  password_hash text not null,
  role text not null default 'customer',
  display_name text not null default '',
  email_verified_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint users_email_key unique (email),
  -- Emails are stored normalised, so the unique constraint means what it says.
  constraint users_email_normalised check (email = lower(btrim(email)) and email like '%_@_%'),
  constraint users_role_check check (role in ('admin', 'editor', 'customer'))
);

create table categories (
  id bigint generated always as identity primary key,
  slug text not null,
  name text not null,
  constraint categories_slug_key unique (slug),
  constraint categories_slug_format check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$')
);

create table brands (
  id bigint generated always as identity primary key,
  slug text not null,
  name text not null,
  constraint brands_slug_key unique (slug),
  constraint brands_slug_format check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$')
);

create table products (
  id bigint generated always as identity primary key,
  sku text not null,
  title text not null,
  description text not null default '',
  brand_id bigint not null references brands (id) on delete restrict,
  category_id bigint not null references categories (id) on delete restrict,
  tags text[] not null default '{}',
  -- Money in integer minor units, never floats.
  price_amount integer not null,
  currency char(3) not null,
  stock integer not null,
  -- Optimistic concurrency: bumped on every write, exposed as the ETag.
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  search tsvector generated always as (
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', description), 'B')
  ) stored,
  constraint products_sku_key unique (sku),
  constraint products_title_length check (char_length(title) between 1 and 200),
  constraint products_price_nonnegative check (price_amount >= 0),
  constraint products_currency_format check (currency ~ '^[A-Z]{3}$'),
  -- Overselling is impossible: stock can never go below zero.
  constraint products_stock_nonnegative check (stock >= 0),
  constraint products_version_positive check (version >= 1)
);

create index products_category_price_idx on products (category_id, price_amount, id);
create index products_brand_idx on products (brand_id);
create index products_price_idx on products (price_amount, id);
create index products_tags_idx on products using gin (tags);
create index products_search_idx on products using gin (search);
create index products_title_trgm_idx on products using gin (title gin_trgm_ops);

create table orders (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id) on delete restrict,
  status text not null default 'pending',
  total_amount integer not null,
  currency char(3) not null,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint orders_status_check
    check (status in ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
  constraint orders_total_nonnegative check (total_amount >= 0),
  constraint orders_currency_format check (currency ~ '^[A-Z]{3}$')
);

create index orders_user_created_idx on orders (user_id, created_at desc, id desc);

create table order_items (
  order_id bigint not null references orders (id) on delete cascade,
  product_id bigint not null references products (id) on delete restrict,
  quantity integer not null,
  unit_amount integer not null,
  primary key (order_id, product_id),
  constraint order_items_quantity_positive check (quantity > 0),
  constraint order_items_unit_amount_nonnegative check (unit_amount >= 0)
);

create index order_items_product_idx on order_items (product_id);
