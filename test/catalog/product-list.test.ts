// The product list through the whole stack, on both engines: the envelope and
// its links in both paging modes, every filter and multi-key sort checked
// against a direct SQL query on the same database, cursor walks that visit
// every matching product exactly once (mixed directions, and rows created
// within one millisecond), the 400s with their own codes, 422s for unknown
// parameters, the v1 deprecation headers and the v2 representation.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { ENGINES } from '../support/engines.ts';
import { serviceOnEngine } from '../support/engine-service.ts';
import { PRODUCT_V1_FIELDS } from '../support/catalog.ts';

interface Envelope {
  data: { id: string; [key: string]: unknown }[];
  meta: { page: number | null; limit: number; total: number; hasMore: boolean };
  links: { self: string; next: string | null; prev: string | null };
}

interface Problem {
  code: string;
  errors?: { field: string; in: string; code: string }[];
}

/** SQL for each sort field, as the list defines it. */
const COLUMNS: Record<string, string> = {
  price: 'p.price_amount',
  title: 'p.title',
  createdAt: 'p.created_at',
  stock: 'p.stock',
  id: 'p.id',
};

for (const engine of ENGINES) {
  describe(`GET /api/v1/products on ${engine.name}`, { skip: engine.skip }, () => {
    const running = serviceOnEngine(engine);
    const get = (path: string) => fetch(`${running.service.url}${path}`);
    const list = (path: string) => running.json<Envelope>(path);
    const problem = (path: string, status: number) => running.problem<Problem>(path, status);

    /** Ids in the list's order, straight from SQL: the reference every answer is checked against. */
    const expectedIds = async (where: string, sort: string): Promise<string[]> => {
      const keys = sort.split(',').map((token) => {
        const field = token.replace(/^-/, '');
        return { column: COLUMNS[field]!, desc: token.startsWith('-'), field };
      });
      if (keys.at(-1)!.field !== 'id')
        keys.push({ column: 'p.id', desc: keys.at(-1)!.desc, field: 'id' });
      const order = keys.map((key) => `${key.column} ${key.desc ? 'desc' : 'asc'}`).join(', ');
      const { rows } = await sql<{ id: string }>`
        select p.id from products p
        join categories c on c.id = p.category_id
        join brands b on b.id = p.brand_id
        where ${sql.raw(where)}
        order by ${sql.raw(order)}`.execute(running.database.sql.db);
      return rows.map((row) => row.id);
    };

    /** Follows links.next from `path` to the end; every id in visiting order. */
    const walk = async (path: string): Promise<{ ids: string[]; pages: Envelope[] }> => {
      const ids: string[] = [];
      const pages: Envelope[] = [];
      for (let next: string | null = path; next !== null;) {
        const body: Envelope = await list(next);
        pages.push(body);
        ids.push(...body.data.map((item) => item.id));
        next = body.links.next;
        assert.ok(pages.length < 500, 'the walk ends');
      }
      return { ids, pages };
    };

    test('the envelope: data, meta and links, cursor mode by default, public short caching', async () => {
      const res = await get('/api/v1/products?limit=5');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=10');
      const body = (await res.json()) as Envelope;
      const all = await expectedIds('true', 'id');
      assert.deepEqual(Object.keys(body).sort(), ['data', 'links', 'meta']);
      assert.deepEqual(body.meta, { page: null, limit: 5, total: all.length, hasMore: true });
      assert.equal(body.links.self, '/api/v1/products?limit=5');
      assert.equal(body.links.prev, null);
      assert.match(body.links.next!, /^\/api\/v1\/products\?limit=5&after=[A-Za-z0-9_-]+$/);
      assert.deepEqual(
        body.data.map((item) => item.id),
        all.slice(0, 5),
      );
      assert.deepEqual(Object.keys(body.data[0]!).sort(), PRODUCT_V1_FIELDS);
      const detail = await (await get('/api/v1/products/1')).json();
      assert.deepEqual(body.data[0], detail, 'list items are the product representation');
    });

    test('offset mode: page numbers, prev and next, the last page ends', async () => {
      const expected = await expectedIds('true', '-price');
      const second = await list('/api/v1/products?sort=-price&limit=30&page=2');
      assert.deepEqual(second.meta, { page: 2, limit: 30, total: expected.length, hasMore: true });
      assert.deepEqual(
        second.data.map((item) => item.id),
        expected.slice(30, 60),
      );
      assert.deepEqual(second.links, {
        self: '/api/v1/products?sort=-price&limit=30&page=2',
        next: '/api/v1/products?sort=-price&limit=30&page=3',
        prev: '/api/v1/products?sort=-price&limit=30&page=1',
      });
      const pages = Math.ceil(expected.length / 30);
      const last = await list(`/api/v1/products?sort=-price&limit=30&page=${pages}`);
      assert.deepEqual(
        last.data.map((item) => item.id),
        expected.slice((pages - 1) * 30),
      );
      assert.equal(last.meta.hasMore, false);
      assert.equal(last.links.next, null);
      const beyond = await list(`/api/v1/products?sort=-price&limit=30&page=${pages + 1}`);
      assert.deepEqual(beyond.data, []);
      assert.equal(beyond.meta.total, expected.length);
    });

    test('filters by category, brand, price range and tag, alone and together', async () => {
      const cases: [string, string][] = [
        ['category=audio', `c.slug = 'audio'`],
        ['brand=acme', `b.slug = 'acme'`],
        ['minPrice=10000', 'p.price_amount >= 10000'],
        ['maxPrice=5000', 'p.price_amount <= 5000'],
        ['minPrice=2000&maxPrice=20000', 'p.price_amount between 2000 and 20000'],
        ['tag=sale', `'sale' = any(p.tags)`],
        [
          'category=gaming&minPrice=1000&maxPrice=40000&tag=sale',
          `c.slug = 'gaming' and p.price_amount between 1000 and 40000 and 'sale' = any(p.tags)`,
        ],
        ['brand=acme&category=audio', `b.slug = 'acme' and c.slug = 'audio'`],
        ['category=no-such-category', 'false'],
      ];
      for (const [query, where] of cases) {
        const expected = await expectedIds(where, 'price');
        const body = await list(`/api/v1/products?${query}&sort=price&limit=100`);
        assert.deepEqual(
          body.data.map((item) => item.id),
          expected.slice(0, 100),
          query,
        );
        assert.equal(body.meta.total, expected.length, query);
        assert.equal(body.meta.hasMore, expected.length > 100, query);
      }
    });

    test('multi-key sorts give exactly the order of the same ORDER BY in SQL', async () => {
      for (const sort of [
        '-price,title',
        'title,-stock',
        '-createdAt',
        'stock,-price',
        'stock,title,-id',
      ]) {
        const expected = await expectedIds('true', sort);
        const ids: string[] = [];
        for (let page = 1; page <= 2; page++) {
          const body = await list(`/api/v1/products?sort=${sort}&limit=100&page=${page}`);
          ids.push(...body.data.map((item) => item.id));
        }
        assert.deepEqual(ids, expected, sort);
      }
    });

    test('walking all pages by cursor, mixed directions, yields each matching product once', async () => {
      const walks: [string, string, string][] = [
        ['sort=stock,-price,title&limit=7', 'true', 'stock,-price,title'],
        ['sort=-stock,title&limit=13&tag=sale', `'sale' = any(p.tags)`, '-stock,title'],
        [
          'sort=title,-createdAt&limit=9&minPrice=3000',
          'p.price_amount >= 3000',
          'title,-createdAt',
        ],
        ['sort=-price&limit=4&category=tools', `c.slug = 'tools'`, '-price'],
      ];
      for (const [query, where, sort] of walks) {
        const expected = await expectedIds(where, sort);
        const { ids, pages } = await walk(`/api/v1/products?${query}`);
        assert.equal(new Set(ids).size, ids.length, `${query}: no product twice`);
        assert.deepEqual(ids, expected, `${query}: every product, in order`);
        for (const page of pages) {
          assert.equal(page.meta.page, null);
          assert.equal(page.links.prev, null);
          assert.equal(page.meta.total, expected.length);
        }
        assert.equal(pages.at(-1)!.meta.hasMore, false);
      }
    });

    test('a cursor walk sees rows created within the same millisecond, each once', async () => {
      const slug = `micro-${randomUUID().slice(0, 8)}`;
      const db = running.database.sql.db;
      const category = await db
        .insertInto('categories')
        .values({ slug, name: 'Micro' })
        .returning('id')
        .executeTakeFirstOrThrow();
      // Six products 1 µs apart, inserted out of order: one millisecond, six instants.
      for (const micros of [5, 0, 3, 1, 4, 2]) {
        await sql`
          insert into products (sku, title, brand_id, category_id, price_amount, currency, stock, created_at)
          select ${`${slug}-${micros}`}, 'Micro', min(id), ${category.id}, 100, 'EUR', 1,
                 timestamptz '2026-05-01 00:00:00.000100+00' + ${micros} * interval '1 microsecond'
          from brands`.execute(db);
      }
      for (const sort of ['createdAt', '-createdAt']) {
        const expected = await expectedIds(`c.slug = '${slug}'`, sort);
        assert.equal(expected.length, 6);
        const { ids } = await walk(`/api/v1/products?category=${slug}&sort=${sort}&limit=1`);
        assert.deepEqual(ids, expected, sort);
      }
    });

    test('an unknown sort field is a 400 naming the parameter', async () => {
      for (const sort of ['colour', 'price,colour', 'price,price', 'id,price', '']) {
        const body = await problem(`/api/v1/products?sort=${sort}`, 400);
        assert.equal(body.code, 'CATALOG_INVALID_SORT', sort);
        assert.deepEqual(
          body.errors?.map((e) => `${e.in}.${e.field}`),
          ['query.sort'],
        );
      }
    });

    test('minPrice above maxPrice is a 400 naming both', async () => {
      const body = await problem('/api/v1/products?minPrice=9000&maxPrice=100', 400);
      assert.equal(body.code, 'CATALOG_INVALID_RANGE');
      assert.deepEqual(
        body.errors?.map((e) => e.field),
        ['minPrice', 'maxPrice'],
      );
    });

    test('a malformed cursor, or one used with other parameters, is a 400', async () => {
      for (const after of ['%%%', 'bm90LWpzb24', 'eyJrIjpbXSwiZiI6IngifQ']) {
        const body = await problem(`/api/v1/products?after=${after}`, 400);
        assert.equal(body.code, 'CATALOG_INVALID_CURSOR', after);
        assert.deepEqual(
          body.errors?.map((e) => `${e.in}.${e.field}`),
          ['query.after'],
        );
      }
      const first = await list('/api/v1/products?sort=-price&category=audio&limit=3');
      const cursor = new URL(first.links.next!, running.service.url).searchParams.get('after')!;
      for (const other of [
        'sort=price&category=audio',
        'sort=-price&category=tools',
        'sort=-price',
      ]) {
        const body = await problem(`/api/v1/products?${other}&after=${cursor}`, 400);
        assert.equal(body.code, 'CATALOG_INVALID_CURSOR', other);
      }
      // Another page size is fine: the cursor is a position, not a page.
      await list(`/api/v1/products?sort=-price&category=audio&limit=50&after=${cursor}`);
    });

    test('page and after together are a 400', async () => {
      const body = await problem('/api/v1/products?page=2&after=abc', 400);
      assert.equal(body.code, 'CATALOG_PAGINATION_CONFLICT');
      assert.deepEqual(
        body.errors?.map((e) => e.field),
        ['page', 'after'],
      );
    });

    test('unknown parameters and out-of-range numbers are 422 field errors', async () => {
      const cases: [string, string, string][] = [
        ['colour=red', 'colour', 'unknown_field'],
        ['limit=0', 'limit', 'out_of_range'],
        ['limit=101', 'limit', 'out_of_range'],
        ['page=0', 'page', 'out_of_range'],
        ['minPrice=-1', 'minPrice', 'out_of_range'],
        ['maxPrice=abc', 'maxPrice', 'invalid_type'],
        ['category=Not%20A%20Slug', 'category', 'invalid_format'],
      ];
      for (const [query, field, code] of cases) {
        const body = await problem(`/api/v1/products?${query}`, 422);
        assert.equal(body.code, 'HTTP_VALIDATION_FAILED', query);
        assert.deepEqual(
          body.errors?.map((e) => `${e.in}.${e.field}:${e.code}`),
          [`query.${field}:${code}`],
          query,
        );
      }
    });

    test('v1 reads announce their deprecation and their v2 successors', async () => {
      const listed = await get('/api/v1/products?limit=1');
      assert.equal(
        listed.headers.get('deprecation'),
        `@${Date.parse('2026-11-25T00:00:00Z') / 1000}`,
      );
      assert.equal(listed.headers.get('sunset'), 'Wed, 30 Jun 2027 00:00:00 GMT');
      assert.equal(listed.headers.get('link'), '</api/v2/products>; rel="successor-version"');
      const read = await get('/api/v1/products/7');
      assert.ok(read.headers.get('deprecation'));
      assert.equal(read.headers.get('link'), '</api/v2/products/7>; rel="successor-version"');
      // Also on errors: the client is still talking to a deprecated endpoint.
      const missing = await get('/api/v1/products/999999');
      assert.equal(missing.status, 404);
      assert.equal(
        missing.headers.get('link'),
        '</api/v2/products/999999>; rel="successor-version"',
      );
      for (const path of ['/api/v2/products', '/api/v2/products/7']) {
        const current = await get(path);
        assert.equal(current.status, 200);
        assert.equal(current.headers.get('deprecation'), null, path);
        assert.equal(current.headers.get('sunset'), null, path);
      }
    });

    test('v2 items: brand and category slugs, formatted price, availability instead of stock', async () => {
      const body = await list('/api/v2/products?sort=stock&limit=3');
      assert.match(body.links.self, /^\/api\/v2\/products\?/);
      const item = body.data[0]!;
      assert.deepEqual(Object.keys(item).sort(), [
        'availability',
        'brand',
        'category',
        'createdAt',
        'description',
        'id',
        'images',
        'price',
        'sku',
        'tags',
        'title',
        'updatedAt',
        'version',
      ]);
      const v1 = (await (await get(`/api/v1/products/${item.id}`)).json()) as {
        brand: { slug: string };
        category: { slug: string };
        price: { amount: number; currency: string };
        stock: number;
      };
      assert.equal(item.brand, v1.brand.slug);
      assert.equal(item.category, v1.category.slug);
      assert.deepEqual(item.price, {
        ...v1.price,
        formatted: `€${(v1.price.amount / 100).toLocaleString('en', { minimumFractionDigits: 2 })}`,
      });
      assert.equal(
        item.availability,
        v1.stock === 0 ? 'out_of_stock' : v1.stock <= 5 ? 'low_stock' : 'in_stock',
      );

      const read = await get(`/api/v2/products/${item.id}`);
      assert.equal(read.headers.get('etag'), `"p${item.id}.v${String(item.version)}"`);
      assert.deepEqual(await read.json(), item);
      const notModified = await fetch(`${running.service.url}/api/v2/products/${item.id}`, {
        headers: { 'if-none-match': read.headers.get('etag')! },
      });
      assert.equal(notModified.status, 304);
    });

    test('v2 pages exactly like v1', async () => {
      const query = 'sort=-price,title&limit=25&category=home';
      const v1 = await walk(`/api/v1/products?${query}`);
      const v2 = await walk(`/api/v2/products?${query}`);
      assert.deepEqual(v2.ids, v1.ids);
    });
  });
}
