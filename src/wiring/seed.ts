// The demo data set: an admin, an editor, customers (each with a funded
// wallet), 10,000 products over categories and brands, and orders.
// Deterministic — every value derives from a row number, nothing from
// random() or now() — so two fresh databases hold the same data and tests and
// benchmarks can name rows. Built with set-based INSERT … SELECT over
// generate_series: one round trip per table, fast enough to run on every
// fresh start.

import { sql, type Kysely } from 'kysely';
import { createPasswordHasher, type PasswordHasher } from '../modules/users/passwords.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import type { Database } from './tables.ts';
import { DEMO_ACCOUNTS } from './demo-accounts.ts';

export { DEMO_ACCOUNTS } from './demo-accounts.ts';

/** Every seeded account starts with this much, credited from the funding wallet (EUR cents). */
export const STARTING_BALANCES = Object.freeze({
  admin: 100_000,
  editor: 100_000,
  customer: 50_000,
});
const WALLETS_OPENED_AT = '2026-01-01T00:00:00Z';

export interface SeedSize {
  readonly products: number;
  readonly customers: number;
  readonly orders: number;
}

export const DEFAULT_SEED_SIZE: SeedSize = { products: 10_000, customers: 50, orders: 300 };

/** Category slugs of the demo data (benchmarks filter by them). */
export const SEED_CATEGORIES: readonly string[] = [
  'audio',
  'cameras',
  'computers',
  'gaming',
  'home',
  'kitchen',
  'outdoor',
  'phones',
  'sports',
  'tools',
  'toys',
  'wearables',
];
const BRANDS = [
  'acme',
  'aurora',
  'bolt',
  'cobalt',
  'delta',
  'ember',
  'fjord',
  'granite',
  'halcyon',
  'ion',
  'juniper',
  'kestrel',
  'lumen',
  'meridian',
  'nimbus',
  'onyx',
  'pioneer',
  'quartz',
  'raven',
  'summit',
  'tundra',
  'umbra',
  'vertex',
  'willow',
  'xenon',
  'yonder',
  'zephyr',
  'atlas',
  'beacon',
  'cascade',
  'drift',
  'echo',
  'flint',
  'glacier',
  'harbor',
  'iris',
  'jade',
  'krypton',
  'lagoon',
  'mosaic',
];

export async function isDatabaseEmpty(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}

export async function seedDemoData(
  database: SqlDatabase<Database>,
  options: { passwords?: PasswordHasher; size?: SeedSize } = {},
): Promise<{ products: number; customers: number; orders: number }> {
  const size = options.size ?? DEFAULT_SEED_SIZE;
  // The service's own hasher, so the demo accounts sign in without a rehash.
  const passwords = options.passwords ?? createPasswordHasher();
  const [adminHash, editorHash, customerHash] = await Promise.all([
    passwords.hash(DEMO_ACCOUNTS.admin.password),
    passwords.hash(DEMO_ACCOUNTS.editor.password),
    passwords.hash(DEMO_ACCOUNTS.customer.password),
  ]);
  await database.withTransaction(async (trx) => {
    await trx
      .insertInto('users')
      .values([
        {
          email: DEMO_ACCOUNTS.admin.email,
          password_hash: adminHash,
          role: 'admin',
          display_name: 'Demo Admin',
        },
        {
          email: DEMO_ACCOUNTS.editor.email,
          password_hash: editorHash,
          role: 'editor',
          display_name: 'Demo Editor',
        },
      ])
      .execute();
    await sql`
      insert into users (email, password_hash, role, display_name, email_verified_at)
      select 'customer' || i || '@throughline.test', ${customerHash}, 'customer', 'Customer ' || i,
             timestamptz '2026-01-01 00:00:00+00' + make_interval(hours => i)
      from generate_series(1, ${size.customers}::int) as i`.execute(trx);
    // Starting balances, paid out of the funding wallet as credit transfers
    // with their two ledger entries each, so the ledger balances from its
    // first row (migrations/0007_payments.sql checks it at commit).
    await sql`
      insert into wallets (kind, user_id, currency, balance, created_at, updated_at)
      select 'user', u.id, 'EUR',
             case u.role when 'admin' then ${STARTING_BALANCES.admin}::bigint
                         when 'editor' then ${STARTING_BALANCES.editor}::bigint
                         else ${STARTING_BALANCES.customer}::bigint end,
             ${WALLETS_OPENED_AT}::timestamptz, ${WALLETS_OPENED_AT}::timestamptz
      from users u
      order by u.id`.execute(trx);
    await sql`
      insert into transfers (kind, from_wallet_id, to_wallet_id, amount, currency, created_at)
      select 'credit', f.id, w.id, w.balance, w.currency, w.created_at
      from wallets w
      join wallets f on f.kind = 'funding' and f.currency = w.currency
      where w.kind = 'user'
      order by w.id`.execute(trx);
    await sql`
      insert into ledger_entries (transfer_id, wallet_id, amount, created_at)
      select t.id, leg.wallet_id, leg.amount, t.created_at
      from transfers t
      cross join lateral (values (t.from_wallet_id, -t.amount), (t.to_wallet_id, t.amount))
        as leg (wallet_id, amount)
      where t.kind = 'credit'
      order by t.id, leg.amount`.execute(trx);
    await sql`
      update wallets f set balance = f.balance - c.total, updated_at = ${WALLETS_OPENED_AT}::timestamptz
      from (select from_wallet_id, sum(amount)::bigint as total
            from transfers where kind = 'credit' group by from_wallet_id) c
      where c.from_wallet_id = f.id`.execute(trx);
    await trx
      .insertInto('categories')
      .values(SEED_CATEGORIES.map((slug) => ({ slug, name: title(slug) })))
      .execute();
    await trx
      .insertInto('brands')
      .values(BRANDS.map((slug) => ({ slug, name: title(slug) })))
      .execute();
    await sql`
      insert into products (sku, title, description, brand_id, category_id, tags,
                            price_amount, currency, stock, created_at, updated_at)
      select 'SKU-' || lpad(i::text, 6, '0'),
             initcap(c.slug) || ' ' || (array['Pro', 'Lite', 'Max', 'Mini', 'Air', 'Prime', 'One', 'Go'])[1 + i % 8]
               || ' ' || (100 + i % 900)::text,
             'The ' || b.name || ' ' || c.slug || ' model ' || i || ': '
               || (array['wireless', 'compact', 'durable', 'lightweight', 'waterproof', 'quiet'])[1 + i % 6]
               || ' and ' || (array['fast', 'efficient', 'portable', 'ergonomic', 'smart'])[1 + i % 5] || '.',
             b.id, c.id,
             case i % 3
               when 0 then array[(array['new', 'sale', 'eco', 'bestseller', 'gift'])[1 + i % 5]]
               when 1 then array['sale', (array['new', 'eco', 'bestseller', 'gift'])[1 + i % 4]]
               else '{}'::text[]
             end,
             199 + (i * 7919) % 49801,
             'EUR',
             (i * 31) % 200,
             timestamptz '2026-01-01 00:00:00+00' + make_interval(mins => i),
             timestamptz '2026-01-01 00:00:00+00' + make_interval(mins => i)
      from generate_series(1, ${size.products}::int) as i
      join (select id, slug, row_number() over (order by id) as n from categories) c
        on c.n = 1 + (i % ${SEED_CATEGORIES.length}::int)
      join (select id, name, row_number() over (order by id) as n from brands) b
        on b.n = 1 + ((i * 7) % ${BRANDS.length}::int)
      order by i`.execute(trx);
    // Orders: customer k orders deterministic products; totals from their items.
    await sql`
      insert into orders (user_id, status, total_amount, currency, created_at, updated_at)
      select u.id,
             (array['pending', 'paid', 'shipped', 'delivered', 'cancelled'])[1 + o % 5],
             0, 'EUR',
             timestamptz '2026-02-01 00:00:00+00' + make_interval(hours => o),
             timestamptz '2026-02-01 00:00:00+00' + make_interval(hours => o)
      from generate_series(1, ${size.orders}::int) as o
      join users u on u.email = 'customer' || (1 + o % ${size.customers}::int) || '@throughline.test'
      order by o`.execute(trx);
    await sql`
      insert into order_items (order_id, product_id, quantity, unit_amount)
      select o.id, p.id, 1 + (o.n + k) % 3, p.price_amount
      from (select id, row_number() over (order by id)::int as n from orders) o
      cross join generate_series(0, 2) as k
      join (select id, price_amount, row_number() over (order by id)::int as n from products) p
        on p.n = 1 + ((o.n * 97 + k * 1013) % ${size.products}::int)
      where k <= o.n % 3
      order by o.n, k`.execute(trx);
    await sql`
      update orders o set total_amount = t.total
      from (select order_id, sum(quantity * unit_amount)::int as total
            from order_items group by order_id) t
      where t.order_id = o.id`.execute(trx);
  });
  return { products: size.products, customers: size.customers, orders: size.orders };
}

function title(slug: string): string {
  return slug[0]!.toUpperCase() + slug.slice(1);
}
