// GET /api/v1/search and /api/v1/search/suggest through the whole stack, on
// both engines, over the seeded test catalog (every response is also checked
// against the OpenAPI document by startService): hits against a direct SQL
// count, facets, a cursor walk that visits every hit once, escaped
// highlights, deletes, and every kind of bad input answered with its own
// 400 or 422 — never a 500.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { ENGINES } from '../support/engines.ts';
import { serviceOnEngine } from '../support/engine-service.ts';

interface Hit {
  id: string;
  title: string;
  category: { slug: string };
  inStock: boolean;
  price: { amount: number };
  highlights: { title: string; description: string };
}

interface Results {
  data: Hit[];
  facets: {
    categories: { slug: string; count: number }[];
    brands: { slug: string; count: number }[];
    prices: { from: number; to: number | null; count: number }[];
  };
  meta: { total: number; limit: number; hasMore: boolean };
  links: { self: string; next: string | null };
}

for (const engine of ENGINES) {
  describe(`search API on ${engine.name}`, { skip: engine.skip }, () => {
    const running = serviceOnEngine(engine);
    const get = (path: string) => fetch(`${running.service.url}${path}`);
    const search = (path: string) => running.json<Results>(path);
    const problem = (path: string, status: number) => running.problem(path, status);
    const countInCategory = async (slug: string) => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from products p join categories c on c.id = p.category_id
        where c.slug = ${slug}`.execute(running.database.sql.db);
      return rows[0]!.n;
    };
    const addProduct = async (title: string) => {
      const { rows } = await sql<{ id: string }>`
        insert into products (sku, title, description, brand_id, category_id, price_amount, currency, stock)
        select 'SEARCH-API-' || md5(${title}), ${title}, 'Added by the search test.',
               (select min(id) from brands), (select min(id) from categories), 1999, 'EUR', 3
        returning id::text`.execute(running.database.sql.db);
      return rows[0]!.id;
    };

    test('finds a category by name, with facets over every hit', async () => {
      const body = await search('/api/v1/search?q=audio&limit=50');
      const expected = await countInCategory('audio');
      assert.ok(expected > 0);
      assert.equal(body.meta.total, expected);
      assert.equal(body.data.length, expected);
      assert.ok(body.data.every((hit) => hit.category.slug === 'audio'));
      assert.match(body.data[0]!.highlights.title, /^<mark>Audio<\/mark> /);
      assert.deepEqual(body.facets.categories, [{ slug: 'audio', name: 'Audio', count: expected }]);
      assert.equal(
        body.facets.brands.reduce((sum, brand) => sum + brand.count, 0),
        expected,
      );
      assert.equal(
        body.facets.prices.reduce((sum, bucket) => sum + bucket.count, 0),
        expected,
      );
    });

    test('corrects a typo and completes a partial word', async () => {
      const expected = await countInCategory('cameras');
      assert.equal((await search('/api/v1/search?q=camrea')).meta.total, expected);
      assert.equal((await search('/api/v1/search?q=camer')).meta.total, expected);
    });

    test('filters, and sorts by price', async () => {
      const body = await search(
        '/api/v1/search?q=audio&inStock=true&minPrice=1000&maxPrice=30000&sort=price&limit=50',
      );
      assert.ok(body.data.length > 0);
      for (const hit of body.data) {
        assert.ok(hit.inStock);
        assert.ok(hit.price.amount >= 1000 && hit.price.amount <= 30_000);
      }
      const prices = body.data.map((hit) => hit.price.amount);
      assert.deepEqual(
        prices,
        [...prices].sort((a, b) => a - b),
      );
    });

    test('pages with signed cursors through every hit once', async () => {
      const first = await search('/api/v1/search?q=audio&limit=4');
      const seen: string[] = first.data.map((hit) => hit.id);
      let next = first.links.next;
      while (next !== null) {
        const page = await search(next);
        assert.equal(page.meta.total, first.meta.total);
        seen.push(...page.data.map((hit) => hit.id));
        next = page.links.next;
      }
      assert.equal(seen.length, first.meta.total);
      assert.equal(new Set(seen).size, seen.length);
    });

    test('refuses a cursor of another query, and a forged one', async () => {
      const first = await search('/api/v1/search?q=audio&limit=4');
      const cursor = new URL(first.links.next!, running.service.url).searchParams.get('after')!;
      const foreign = await problem(`/api/v1/search?q=cameras&limit=4&after=${cursor}`, 400);
      assert.equal(foreign.code, 'SEARCH_INVALID_CURSOR');
      const forged = Buffer.concat([Buffer.alloc(32), Buffer.from('{"o":4,"f":"x"}')]).toString(
        'base64url',
      );
      assert.equal(
        (await problem(`/api/v1/search?q=audio&after=${forged}`, 400)).code,
        'SEARCH_INVALID_CURSOR',
      );
    });

    test('escapes highlights: only <mark> is markup', async () => {
      await addProduct('<b>Zanzibar</b> Kettle');
      const [hit] = (await search('/api/v1/search?q=zanzibar')).data;
      assert.equal(hit?.highlights.title, '&lt;b&gt;<mark>Zanzibar</mark>&lt;/b&gt; Kettle');
    });

    test('a deleted product disappears from results and suggestions', async () => {
      const id = await addProduct('Quokka Lantern');
      assert.equal((await search('/api/v1/search?q=quokka')).meta.total, 1);
      await running.database.sql.db.deleteFrom('products').where('id', '=', id).execute();
      assert.equal((await search('/api/v1/search?q=quokka')).meta.total, 0);
      const res = await get('/api/v1/search/suggest?q=quok');
      assert.ok(!((await res.json()) as { data: string[] }).data.includes('quokka'));
    });

    test('suggest completes the query as typed, at most ten', async () => {
      const res = await get('/api/v1/search/suggest?q=aud');
      assert.equal(res.status, 200);
      const { data } = (await res.json()) as { data: string[] };
      assert.ok(data.includes('audio'), data.join(','));
      const many = (await (await get('/api/v1/search/suggest?q=a')).json()) as { data: string[] };
      assert.ok(many.data.length <= 10);
    });

    test('bad input: its own 400, or 422, never a 500', async () => {
      const eleven = Array.from({ length: 11 }, (_, index) => `word${index}`).join(' ');
      assert.equal(
        (await problem(`/api/v1/search?q=${encodeURIComponent(eleven)}`, 400)).code,
        'SEARCH_QUERY_TOO_COMPLEX',
      );
      const operators = encodeURIComponent('a -b -c -d -e -f -g "h" "i" or j');
      assert.equal(
        (await problem(`/api/v1/search?q=${operators}`, 400)).code,
        'SEARCH_QUERY_TOO_COMPLEX',
      );
      assert.equal(
        (await problem('/api/v1/search?q=audio&minPrice=500&maxPrice=100', 400)).code,
        'SEARCH_INVALID_RANGE',
      );
      for (const path of [
        `/api/v1/search?q=${'a'.repeat(201)}`,
        '/api/v1/search?q=audio&sort=bogus',
        '/api/v1/search?q=audio&inStock=maybe',
        '/api/v1/search?q=audio&limit=0',
        '/api/v1/search?q=audio&nope=1',
        '/api/v1/search?q=%00',
        '/api/v1/search/suggest',
      ]) {
        assert.equal((await problem(path, 422)).code, 'HTTP_VALIDATION_FAILED', path);
      }
      for (const q of ["a & | ! :* ( ' \\", '-', 'or', '"', '!!!', '🎧', 'наушники']) {
        const res = await get(`/api/v1/search?q=${encodeURIComponent(q)}`);
        assert.equal(res.status, 200, q);
        const suggest = await get(`/api/v1/search/suggest?q=${encodeURIComponent(q)}`);
        assert.equal(suggest.status, 200, q);
      }
    });

    test('without q: the filtered catalog', async () => {
      const body = await search('/api/v1/search?category=audio&limit=50');
      assert.equal(body.meta.total, await countInCategory('audio'));
      assert.equal(body.data[0]!.highlights.title.includes('<mark>'), false);
    });
  });
}
