// The SearchEngine contract: one suite every adapter must pass. An adapter's
// test file is a call: `runSearchContract('postgres on pglite', open)`.
//
// The suite writes its own small catalog through the adapter's fixture hooks,
// with words the demo data never uses (Quietude, Zircon, Brühl…), so it runs
// on a seeded database and every count it asserts is exact. It only reads
// what it wrote: every query carries one of those words or a fixture filter.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  MATCH_END,
  MATCH_START,
  MAX_SUGGESTIONS,
  type SearchEngine,
  type SearchHit,
} from './search.ts';

export interface FixtureProduct {
  readonly title: string;
  readonly description: string;
  readonly brand: { readonly slug: string; readonly name: string };
  readonly category: { readonly slug: string; readonly name: string };
  readonly tags?: readonly string[];
  /** Minor units (EUR). */
  readonly price: number;
  readonly stock: number;
}

export interface SearchUnderTest {
  readonly engine: SearchEngine;
  /** Writes products (and their brands and categories) as the catalog would; their ids, in order. */
  addProducts(products: readonly FixtureProduct[]): Promise<string[]>;
  /** Deletes a product as the catalog would. */
  deleteProduct(id: string): Promise<void>;
  /** Releases whatever `open` created. */
  close(): Promise<void>;
}

const SONORA = { slug: 'sonora-contract', name: 'Sonora' };
const BRUHL = { slug: 'bruhl-contract', name: 'Brühl' };
const HEADGEAR = { slug: 'headgear-contract', name: 'Headgear' };
const KETTLES = { slug: 'kettles-contract', name: 'Kettles' };
const LAMPS = { slug: 'lamps-contract', name: 'Lamps' };

const FIXTURES = {
  quietude: {
    title: 'Wireless Headphones Quietude',
    description: 'Noise cancelling over-ear headphones with a long battery.',
    brand: SONORA,
    category: HEADGEAR,
    price: 12_900,
    stock: 5,
  },
  studio: {
    title: 'Studio Headphones Reference',
    description: 'Wired studio monitors for mixing.',
    brand: SONORA,
    category: HEADGEAR,
    price: 24_900,
    stock: 0,
  },
  creme: {
    title: 'Crème Brûlée Kettle',
    description: 'A kettle for café mornings.',
    brand: BRUHL,
    category: KETTLES,
    price: 4_900,
    stock: 3,
  },
  rapid: {
    title: 'Electric Kettle Rapid',
    description: 'Boils water in two minutes; headphones not included.',
    brand: BRUHL,
    category: KETTLES,
    price: 7_900,
    stock: 10,
  },
  travel: {
    title: 'Travel Kettle Mini',
    description: 'Folds flat for a suitcase.',
    brand: SONORA,
    category: KETTLES,
    tags: ['voyage'],
    price: 2_900,
    stock: 0,
  },
  aureliaSoldOut: {
    title: 'Aurelia Speaker',
    description: 'A small speaker.',
    brand: SONORA,
    category: HEADGEAR,
    price: 9_900,
    stock: 0,
  },
  aureliaInStock: {
    title: 'Aurelia Speaker',
    description: 'A small speaker.',
    brand: SONORA,
    category: HEADGEAR,
    price: 9_900,
    stock: 4,
  },
} satisfies Record<string, FixtureProduct>;

type FixtureName = keyof typeof FIXTURES;

/** Enough products for three pages of ten. */
const LAMP_COUNT = 23;
const lamps: FixtureProduct[] = Array.from({ length: LAMP_COUNT }, (_, index) => ({
  title: `Zircon Lamp ${index + 1}`,
  description: 'A desk lamp.',
  brand: BRUHL,
  category: LAMPS,
  price: 1_000 + ((index * 7_919) % 40_000),
  stock: index % 4,
}));

export function runSearchContract(name: string, open: () => Promise<SearchUnderTest>): void {
  void describe(`SearchEngine contract: ${name}`, () => {
    let under: SearchUnderTest | undefined;
    const ids = new Map<FixtureName, string>();
    let lampIds: string[] = [];

    before(async () => {
      under = await open();
      const names = Object.keys(FIXTURES) as FixtureName[];
      const written = await under.addProducts(names.map((key) => FIXTURES[key]));
      names.forEach((key, index) => ids.set(key, written[index]!));
      lampIds = await under.addProducts(lamps);
    });
    after(async () => {
      await under?.close();
    });

    const engine = (): SearchEngine => {
      assert.ok(under, 'the engine opens in before()');
      return under.engine;
    };
    const id = (key: FixtureName) => ids.get(key)!;
    const idsOf = (hits: readonly SearchHit[]) => hits.map((hit) => hit.id);
    const find = async (text: string, extra: Partial<Parameters<SearchEngine['search']>[0]> = {}) =>
      engine().search({ text, limit: 50, ...extra });

    void describe('matching', () => {
      void it('finds every product with the word, and only those', async () => {
        const result = await find('headphones');
        assert.deepEqual(
          new Set(idsOf(result.hits)),
          new Set([id('quietude'), id('studio'), id('rapid')]),
        );
        assert.equal(result.total, 3);
      });

      void it('ranks a title match above a description match', async () => {
        const hits = idsOf((await find('headphones')).hits);
        assert.equal(hits.at(-1), id('rapid'));
      });

      void it('requires every word', async () => {
        assert.deepEqual(idsOf((await find('studio headphones')).hits), [id('studio')]);
      });

      void it('reads web-search syntax: exclusion, phrases, or', async () => {
        assert.deepEqual(
          new Set(idsOf((await find('headphones -studio')).hits)),
          new Set([id('quietude'), id('rapid')]),
        );
        assert.deepEqual(idsOf((await find('"electric kettle"')).hits), [id('rapid')]);
        assert.deepEqual(
          new Set(idsOf((await find('quietude or rapid')).hits)),
          new Set([id('quietude'), id('rapid')]),
        );
      });

      void it('matches brand names and tags', async () => {
        assert.deepEqual(new Set(idsOf((await find('voyage')).hits)), new Set([id('travel')]));
        const bruhl = await find('bruhl kettle');
        assert.deepEqual(new Set(idsOf(bruhl.hits)), new Set([id('creme'), id('rapid')]));
      });

      void it('lifts products in stock above the same product sold out', async () => {
        assert.deepEqual(idsOf((await find('aurelia speaker')).hits), [
          id('aureliaInStock'),
          id('aureliaSoldOut'),
        ]);
      });

      void it('finds nothing for unknown words and for text without words', async () => {
        for (const text of ['qwxzptv', '!!! ---', '""']) {
          const result = await find(text);
          assert.deepEqual(result.hits, [], text);
          assert.equal(result.total, 0, text);
        }
      });

      void it('treats query syntax of the engine as plain text', async () => {
        for (const text of ["headphones' | !", 'headphones:* & (', "'); drop table products; --"]) {
          await find(text);
        }
        assert.equal((await find('headphones')).total, 3);
      });
    });

    void describe('typos and partial words', () => {
      void it('corrects a misspelt word', async () => {
        for (const text of ['headphnes', 'hedphones', 'quietdue']) {
          const hits = idsOf((await find(text)).hits);
          assert.ok(hits.includes(id('quietude')), `${text}: ${hits.join(',')}`);
        }
      });

      void it('corrects a misspelt brand within a multi-word query', async () => {
        const hits = idsOf((await find('sonorra speaker')).hits);
        assert.deepEqual(new Set(hits), new Set([id('aureliaInStock'), id('aureliaSoldOut')]));
      });

      void it('completes a partial word', async () => {
        const hits = idsOf((await find('headph')).hits);
        assert.ok(hits.includes(id('quietude')) && hits.includes(id('studio')));
        assert.deepEqual(idsOf((await find('wirel headph')).hits), [id('quietude')]);
      });
    });

    void describe('suggest', () => {
      void it('completes the word being typed', async () => {
        assert.ok((await engine().suggest('headph')).includes('headphones'));
        assert.ok((await engine().suggest('quie')).includes('quietude'));
      });

      void it('keeps the words already typed', async () => {
        assert.ok((await engine().suggest('wireless headph')).includes('wireless headphones'));
      });

      void it('tolerates a typo in the word being typed', async () => {
        assert.ok((await engine().suggest('quietdue')).includes('quietude'));
      });

      void it('returns at most ten, and nothing for nothing', async () => {
        assert.ok((await engine().suggest('a')).length <= MAX_SUGGESTIONS);
        assert.deepEqual(await engine().suggest('qwxzptv'), []);
        assert.deepEqual(await engine().suggest('  '), []);
      });

      void it('folds accents', async () => {
        assert.ok((await engine().suggest('brul')).includes('brulee'));
      });
    });

    void describe('facets', () => {
      void it('counts categories, brands and price buckets over all matches', async () => {
        const { facets, total } = await find('kettle', { limit: 1 });
        assert.equal(total, 3);
        assert.deepEqual(facets.categories, [{ ...KETTLES, count: 3 }]);
        assert.deepEqual(facets.brands, [
          { ...BRUHL, count: 2 },
          { ...SONORA, count: 1 },
        ]);
        assert.deepEqual(
          facets.prices.map((bucket) => bucket.count),
          [2, 1, 0, 0],
        );
        assert.equal(facets.prices.at(-1)!.to, null);
      });

      void it('counts the filtered set', async () => {
        const { facets, total } = await find('kettle', { filters: { brand: BRUHL.slug } });
        assert.equal(total, 2);
        assert.deepEqual(facets.brands, [{ ...BRUHL, count: 2 }]);
        assert.deepEqual(facets.categories, [{ ...KETTLES, count: 2 }]);
      });
    });

    void describe('filters', () => {
      void it('by category and by brand', async () => {
        const byCategory = await find('headphones', { filters: { category: KETTLES.slug } });
        assert.deepEqual(idsOf(byCategory.hits), [id('rapid')]);
        const byBrand = await find('kettle', { filters: { brand: SONORA.slug } });
        assert.deepEqual(idsOf(byBrand.hits), [id('travel')]);
      });

      void it('by price range, bounds included', async () => {
        const result = await find('kettle', { filters: { minPrice: 2_900, maxPrice: 4_900 } });
        assert.deepEqual(new Set(idsOf(result.hits)), new Set([id('travel'), id('creme')]));
      });

      void it('in stock only', async () => {
        const result = await find('headphones', { filters: { inStock: true } });
        assert.deepEqual(new Set(idsOf(result.hits)), new Set([id('quietude'), id('rapid')]));
        assert.ok(result.hits.every((hit) => hit.inStock));
      });

      void it('without text: the filtered catalog, newest first', async () => {
        const result = await engine().search({ filters: { category: LAMPS.slug }, limit: 50 });
        assert.equal(result.total, LAMP_COUNT);
        assert.deepEqual(idsOf(result.hits), [...lampIds].reverse());
      });
    });

    void describe('highlights', () => {
      void it('marks the matched words in the title and the description', async () => {
        const [hit] = (await find('quietude battery')).hits;
        assert.equal(
          hit?.highlights.title,
          `Wireless Headphones ${MATCH_START}Quietude${MATCH_END}`,
        );
        assert.match(hit.highlights.description, new RegExp(`${MATCH_START}battery${MATCH_END}`));
      });

      void it('marks corrected and completed words in their written form', async () => {
        const [hit] = (await find('creme brul')).hits;
        assert.equal(
          hit?.highlights.title,
          `${MATCH_START}Crème${MATCH_END} ${MATCH_START}Brûlée${MATCH_END} Kettle`,
        );
      });
    });

    void describe('sorting and paging', () => {
      void it('sorts by price either way', async () => {
        const up = (await find('zircon', { sort: 'price' })).hits.map((hit) => hit.price.amount);
        assert.deepEqual(
          up,
          [...up].sort((a, b) => a - b),
        );
        const down = (await find('zircon', { sort: '-price' })).hits.map((hit) => hit.price.amount);
        assert.deepEqual(down, [...up].reverse());
      });

      void it('pages through every match once, in one order', async () => {
        const whole = idsOf((await find('zircon', { limit: 50 })).hits);
        assert.equal(whole.length, LAMP_COUNT);
        const paged: string[] = [];
        for (let offset = 0; offset < LAMP_COUNT; offset += 10) {
          const page = await find('zircon', { limit: 10, offset });
          assert.equal(page.total, LAMP_COUNT);
          paged.push(...idsOf(page.hits));
        }
        assert.deepEqual(paged, whole);
      });
    });

    void describe('unicode and accents', () => {
      void it('matches with or without accents, either way round', async () => {
        for (const text of ['creme brulee', 'Crème Brûlée', 'CAFE', 'café']) {
          assert.deepEqual(idsOf((await find(text)).hits), [id('creme')], text);
        }
        // Brühl makes the kettles and every lamp.
        assert.equal((await find('brühl')).total, 2 + LAMP_COUNT);
      });

      void it('takes any script without failing', async () => {
        for (const text of ['наушники', '耳机', '🎧 headphones', 'ｈｅａｄｐｈｏｎｅｓ']) {
          await find(text);
        }
        assert.equal((await find('ｈｅａｄｐｈｏｎｅｓ')).total, 3);
      });
    });

    void describe('deletes', () => {
      void it('a deleted product is no longer found nor suggested', async () => {
        assert.equal((await find('voyage')).total, 1);
        await under!.deleteProduct(id('travel'));
        assert.equal((await find('voyage')).total, 0);
        assert.equal((await find('kettle')).total, 2);
        assert.ok(!(await engine().suggest('voya')).includes('voyage'));
      });
    });
  });
}
