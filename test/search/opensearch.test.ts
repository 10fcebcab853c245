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
import {
  createOpenSearchSearch,
  type OpenSearchEngine,
} from '../../src/adapters/search/opensearch/engine.ts';
import { runSearchContract, type FixtureProduct } from '../../src/ports/search.contract.ts';
import type { SearchDocument } from '../../src/ports/search.ts';
import { documentsAfter } from '../../src/modules/search/documents.ts';
import { openTestDatabase } from '../support/database.ts';

const url = process.env.OPENSEARCH_URL;

/** The seeded test catalog as search documents, read as the reindex reads them, in id batches. */
async function* seededCatalog(): AsyncIterable<SearchDocument[]> {
  const database = await openTestDatabase();
  try {
    let after: string | undefined;
    for (;;) {
      const batch = await documentsAfter(database.sql.db, after, 500);
      if (batch.length === 0) return;
      yield batch;
      after = batch.at(-1)!.id;
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
