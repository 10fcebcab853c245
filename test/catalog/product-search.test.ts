// `q` on the product list (GET /api/v1/products and /api/v2/products), on
// both engines, over the seeded test catalog: the same hits in the same
// order as GET /api/v1/search, a cursor walk and numbered pages that visit
// each hit once, the engine's sorts, and every bad combination answered with
// its own 400 — the search module's code for a query it will not run, as on
// /search. Responses are checked against the OpenAPI document by startService.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENGINES } from '../support/engines.ts';
import { serviceOnEngine } from '../support/engine-service.ts';

interface ListBody {
  data: { id: string; price: { amount: number }; title: string }[];
  meta: { page: number | null; limit: number; total: number; hasMore: boolean };
  links: { self: string; next: string | null; prev: string | null };
}

interface SearchBody {
  data: { id: string }[];
  meta: { total: number; hasMore: boolean };
  links: { next: string | null };
}

for (const engine of ENGINES) {
  describe(`product list with q on ${engine.name}`, { skip: engine.skip }, () => {
    const running = serviceOnEngine(engine);
    const get = <T>(path: string): Promise<T> => running.json<T>(path);
    const problem = async (path: string, status: number) =>
      (await running.problem(path, status)).code;

    /** Every hit of a search, following links.next. */
    async function searchIds(query: string): Promise<string[]> {
      const ids: string[] = [];
      let next: string | null = `/api/v1/search?${query}&limit=50`;
      while (next !== null) {
        const page: SearchBody = await get<SearchBody>(next);
        ids.push(...page.data.map((hit) => hit.id));
        next = page.links.next;
      }
      return ids;
    }

    test('the hits of /search, in its order, walked by cursor', async () => {
      const expected = await searchIds('q=audio');
      assert.ok(expected.length > 10, `${expected.length} hits`);
      const seen: string[] = [];
      let next: string | null = '/api/v1/products?q=audio&limit=7';
      let total = -1;
      while (next !== null) {
        const page: ListBody = await get<ListBody>(next);
        total = page.meta.total;
        assert.equal(page.meta.page, null);
        seen.push(...page.data.map((product) => product.id));
        assert.equal(page.meta.hasMore, page.links.next !== null);
        next = page.links.next;
        if (next !== null) assert.match(next, /^\/api\/v1\/products\?q=audio&limit=7&after=/);
      }
      assert.equal(total, expected.length);
      assert.deepEqual(seen, expected);
    });

    test('numbered pages, the v2 list, and an empty q', async () => {
      const expected = await searchIds('q=audio');
      const second = await get<ListBody>('/api/v1/products?q=audio&limit=5&page=2');
      assert.deepEqual(
        second.data.map((product) => product.id),
        expected.slice(5, 10),
      );
      assert.equal(second.links.prev, '/api/v1/products?q=audio&limit=5&page=1');
      const v2 = await get<ListBody>('/api/v2/products?q=audio&limit=5');
      assert.deepEqual(
        v2.data.map((product) => product.id),
        expected.slice(0, 5),
      );
      const all = await get<ListBody>('/api/v1/products?q=%20&limit=5');
      const plain = await get<ListBody>('/api/v1/products?limit=5');
      assert.deepEqual(all, { ...plain, links: all.links });
    });

    test('filters and the engine sorts apply; a typo is corrected as on /search', async () => {
      const expected = await searchIds('q=audio&category=audio&maxPrice=30000&sort=price');
      const page = await get<ListBody>(
        '/api/v1/products?q=audio&category=audio&maxPrice=30000&sort=price&limit=100',
      );
      assert.deepEqual(
        page.data.map((product) => product.id),
        expected,
      );
      const prices = page.data.map((product) => product.price.amount);
      assert.deepEqual(
        prices,
        [...prices].sort((a, b) => a - b),
      );
      assert.ok(prices.every((price) => price <= 30000));
      const typo = await get<ListBody>('/api/v1/products?q=camrea');
      assert.equal(typo.meta.total, (await searchIds('q=camrea')).length);
    });

    test('bad combinations: their own 400s, the same as /search for the query', async () => {
      const words = Array.from({ length: 11 }, (_, i) => `word${i}`).join('%20');
      assert.equal(
        await problem(`/api/v1/products?q=${words}`, 400),
        await problem(`/api/v1/search?q=${words}`, 400),
      );
      assert.equal(await problem(`/api/v1/products?q=${words}`, 400), 'SEARCH_QUERY_TOO_COMPLEX');
      const long = 'a'.repeat(201);
      assert.equal(await problem(`/api/v1/products?q=${long}`, 422), 'HTTP_VALIDATION_FAILED');
      assert.equal(await problem(`/api/v1/search?q=${long}`, 422), 'HTTP_VALIDATION_FAILED');
      assert.equal(
        await problem('/api/v1/products?q=audio&sort=title', 400),
        'CATALOG_INVALID_SORT',
      );
      assert.equal(
        await problem('/api/v1/products?q=audio&tag=sale', 400),
        'CATALOG_PARAMETER_CONFLICT',
      );
      assert.equal(
        await problem('/api/v1/products?q=audio&minPrice=10&maxPrice=5', 400),
        'CATALOG_INVALID_RANGE',
      );

      const first = await get<ListBody>('/api/v1/products?q=audio&limit=3');
      const cursor = new URL(first.links.next!, running.service.url).searchParams.get('after')!;
      for (const path of [
        `/api/v1/products?q=cameras&limit=3&after=${cursor}`,
        `/api/v1/products?limit=3&after=${cursor}`,
        `/api/v1/products?q=audio&limit=3&sort=price&after=${cursor}`,
      ]) {
        assert.equal(await problem(path, 400), 'CATALOG_INVALID_CURSOR', path);
      }
      const plain = await get<ListBody>('/api/v1/products?limit=3');
      const keyset = new URL(plain.links.next!, running.service.url).searchParams.get('after')!;
      assert.equal(
        await problem(`/api/v1/products?q=audio&limit=3&after=${keyset}`, 400),
        'CATALOG_INVALID_CURSOR',
      );
    });
  });
}
