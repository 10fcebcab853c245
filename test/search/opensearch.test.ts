// The OpenSearch adapter against the SearchEngine contract, on a real
// OpenSearch server: runs when OPENSEARCH_URL is set (see the README for a
// local one), skipped otherwise — no OpenSearch can be installed where the
// rest of the suite runs, and the fake server (opensearch-fake.test.ts)
// cannot stand in for its analysis and ranking.
//
// Each run uses an alias of its own, so runs never see each other's data. It
// is built as the reindex builds it: `index.rebuild` from the seeded test
// catalog's products; the contract's own fixtures are then written through
// `index.upsert`, as the outbox writes them, made searchable at once.

import { test } from 'node:test';
import { sql } from 'kysely';
import {
  createOpenSearchSearch,
  type OpenSearchEngine,
} from '../../src/adapters/search/opensearch/engine.ts';
import { runSearchContract, type FixtureProduct } from '../../src/ports/search.contract.ts';
import type { SearchDocument } from '../../src/ports/search.ts';
import { openTestDatabase } from '../support/database.ts';

const url = process.env.OPENSEARCH_URL;

interface ProductRow {
  id: string;
  title: string;
  description: string;
  brand_slug: string;
  brand_name: string;
  category_slug: string;
  category_name: string;
  tags: string[];
  price_amount: number;
  currency: string;
  stock: number;
  created_at: string;
  version: number;
}

/** The seeded test catalog as search documents, in id order, in batches. */
async function* seededCatalog(): AsyncIterable<SearchDocument[]> {
  const database = await openTestDatabase();
  try {
    const { rows } = await sql<ProductRow>`
      select p.id::text as id, p.title, p.description, b.slug as brand_slug, b.name as brand_name,
             c.slug as category_slug, c.name as category_name, p.tags, p.price_amount,
             p.currency, p.stock, p.created_at::text as created_at, p.version
      from products p join brands b on b.id = p.brand_id join categories c on c.id = p.category_id
      order by p.id`.execute(database.sql.db);
    for (let start = 0; start < rows.length; start += 500) {
      yield rows.slice(start, start + 500).map((row) => ({
        id: row.id,
        title: row.title,
        description: row.description,
        brand: { slug: row.brand_slug, name: row.brand_name },
        category: { slug: row.category_slug, name: row.category_name },
        tags: row.tags,
        price: { amount: row.price_amount, currency: row.currency },
        stock: row.stock,
        createdAt: new Date(row.created_at).toISOString(),
        version: row.version,
      }));
    }
  } finally {
    await database.close();
  }
}

/** Admin calls outside the adapter (dropping this run's indices), credentials as a header. */
async function admin(method: string, path: string): Promise<unknown> {
  const base = new URL(url!);
  const headers: Record<string, string> = {};
  if (base.username !== '') {
    const user = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    headers.authorization = `Basic ${Buffer.from(user).toString('base64')}`;
  }
  base.username = '';
  base.password = '';
  const res = await fetch(new URL(path, base), { method, headers });
  return res.status === 404 ? {} : res.json();
}

if (url === undefined) {
  test(
    'SearchEngine contract: opensearch',
    {
      skip: 'OPENSEARCH_URL is not set (see README: a local OpenSearch in Docker)',
    },
    () => {},
  );
} else {
  runSearchContract('opensearch', async () => {
    const alias = `contract-${process.pid}-${Date.now()}`;
    const engine: OpenSearchEngine = createOpenSearchSearch({
      url,
      alias,
      timeoutMs: 10_000,
      writeTimeoutMs: 60_000,
      refreshOnWrite: true,
    });
    await engine.index.rebuild(seededCatalog());
    // Above any id of the seeded catalog: the fixtures are the newest products.
    let nextId = 1_000_000_000;
    return {
      engine,
      async addProducts(products: readonly FixtureProduct[]) {
        // One write, one timestamp, like the catalog's transaction: ties go to the higher id.
        const createdAt = new Date().toISOString();
        const documents = products.map((product) => {
          nextId += 1;
          return {
            id: String(nextId),
            title: product.title,
            description: product.description,
            brand: product.brand,
            category: product.category,
            tags: product.tags ?? [],
            price: { amount: product.price, currency: 'EUR' },
            stock: product.stock,
            createdAt,
            version: 1,
          };
        });
        await engine.index.upsert(documents);
        return documents.map((document) => document.id);
      },
      async deleteProduct(id) {
        await engine.index.remove([id]);
      },
      async close() {
        const held = (await admin('GET', `/${alias}-*/_alias`)) as Record<string, unknown>;
        for (const name of Object.keys(held)) await admin('DELETE', `/${name}`);
        await engine.close();
      },
    };
  });
}
