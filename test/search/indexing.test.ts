// The search index kept in step through the outbox, on both engines: the
// real service with its workers running, and a recording fake index
// (test/support/recording-search-index.ts) beside the PostgreSQL engine, in
// place of an engine with its own copy (OpenSearch). Products are written
// over HTTP; the test waits until the index has the document and measures
// how long after the write's response it arrived — the staleness the
// outbox costs, bounded below — then deletes, stock moved by orders, and
// events replayed (the same id again, an older version) that must change
// nothing.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createPostgresSearch } from '../../src/adapters/search/postgres.ts';
import type { SearchIndex } from '../../src/ports/search.ts';
import { EVENTS_QUEUE, type DomainEvent } from '../../src/modules/events/outbox.ts';
import { EventHandlers } from '../../src/modules/events/registry.ts';
import { registerSearchIndexing } from '../../src/modules/search/indexing.ts';
import { searchModule } from '../../src/modules/search/module.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { eventually } from '../support/eventually.ts';
import {
  recordingSearchEngine,
  type RecordingSearchIndex,
} from '../support/recording-search-index.ts';
import { openShop, type Shop } from '../support/shop.ts';
import { startService, type StartedService } from '../support/start.ts';

/** The relay's and the queue's poll intervals in this suite (startService's defaults). */
const OUTBOX_POLL_MS = 50;
const QUEUE_POLL_MS = 50;
/**
 * How stale the index may be after a write's response: one poll of the
 * relay and one of the queue at worst, the handler's reads and writes, and
 * a margin for a loaded machine, where a test process can stall for a second.
 */
const STALENESS_BOUND_MS = 2 * (OUTBOX_POLL_MS + QUEUE_POLL_MS) + 3_000;

interface ProductBody {
  id: string;
  version: number;
  stock: number;
}

for (const engine of ENGINES) {
  describe(`search index through the outbox on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let index: RecordingSearchIndex;
    let api: ApiClient;
    let editor: string;
    let shop: Shop;
    const latencies: number[] = [];

    before(async () => {
      database = await engine.open();
      service = await startService({
        sql: database.sql,
        search: (sql) => {
          const recording = recordingSearchEngine(createPostgresSearch(sql));
          index = recording.index;
          return recording;
        },
      });
      api = apiClient(service.url);
      editor = (await api.login(DEMO_ACCOUNTS.editor.email, DEMO_ACCOUNTS.editor.password))
        .accessToken;
      shop = await openShop(api, service.sql.db);
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    /** Waits until the index holds `id` at `version` or later; resolves with ms since `since`. */
    async function arrival(id: string, version: number, since: number): Promise<number> {
      await eventually(
        `the index holds product ${id} at version ${version}`,
        () => (index.documents.get(id)?.version ?? 0) >= version,
        { timeoutMs: 60_000 },
      );
      const write = index.writes.findLast((w) => w.kind === 'upsert' && w.changed.includes(id));
      return write!.at - since;
    }

    const create = async (title: string) => {
      const res = await api.call('/api/v1/products', {
        method: 'POST',
        token: editor,
        json: {
          sku: `IDX-${randomUUID().slice(0, 12)}`,
          title,
          description: '<p>For the index.</p>',
          brand: 'acme',
          category: 'audio',
          tags: ['indexed'],
          price: { amount: 4200, currency: 'EUR' },
          stock: 7,
        },
      });
      assert.equal(res.status, 201, await res.clone().text());
      return { product: (await res.json()) as ProductBody, etag: res.headers.get('etag')! };
    };

    test('a created product reaches the index within the bound, with its brand and category', async (t) => {
      for (let round = 0; round < 8; round += 1) {
        const sent = performance.now();
        const { product } = await create(`Indexed Lantern ${round}`);
        const ms = await arrival(product.id, product.version, sent);
        latencies.push(ms);
        assert.ok(ms < STALENESS_BOUND_MS, `arrived after ${Math.round(ms)} ms`);
        const document = index.documents.get(product.id)!;
        assert.equal(document.title, `Indexed Lantern ${round}`);
        assert.deepEqual(document.brand.slug, 'acme');
        assert.deepEqual(document.category.slug, 'audio');
        assert.deepEqual(document.tags, ['indexed']);
        assert.equal(document.stock, 7);
      }
      const sorted = [...latencies].sort((a, b) => a - b);
      t.diagnostic(
        `staleness after POST (ms): median ${Math.round(sorted[sorted.length >> 1]!)}, ` +
          `max ${Math.round(sorted.at(-1)!)}, bound ${STALENESS_BOUND_MS}`,
      );
      // Searches still work: they go to the PostgreSQL engine beside the fake.
      const res = await api.call('/api/v1/search?q=lantern');
      const found = (await res.json()) as { meta: { total: number } };
      assert.equal(found.meta.total, 8);
    });

    test('an update arrives with its new version; a delete removes the document', async () => {
      const { product, etag } = await create('Indexed Kettle');
      await arrival(product.id, product.version, performance.now());
      const sent = performance.now();
      const patched = await api.call(`/api/v1/products/${product.id}`, {
        method: 'PATCH',
        token: editor,
        json: { title: 'Indexed Teapot' },
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': etag },
      });
      assert.equal(patched.status, 200, await patched.clone().text());
      const updated = (await patched.json()) as ProductBody;
      assert.ok((await arrival(product.id, updated.version, sent)) < STALENESS_BOUND_MS);
      assert.equal(index.documents.get(product.id)?.title, 'Indexed Teapot');

      const deletedAt = performance.now();
      const deleted = await api.call(`/api/v1/products/${product.id}`, {
        method: 'DELETE',
        token: editor,
        headers: { 'if-match': patched.headers.get('etag')! },
      });
      assert.equal(deleted.status, 204);
      await eventually(
        'the deleted product leaves the index',
        () => !index.documents.has(product.id),
        { timeoutMs: 60_000 },
      );
      const removal = index.firstChange('remove', product.id)!;
      assert.ok(removal.at - deletedAt < STALENESS_BOUND_MS, `${removal.at - deletedAt} ms`);
    });

    test('placing and cancelling an order moves the stock in the index, one event per order', async () => {
      const first = await shop.product(10, 1000);
      const second = await shop.product(10, 1000);
      const buyer = await shop.customer('indexing', 100_000);
      const order = await shop.place(buyer, [
        { productId: first, quantity: 2 },
        { productId: second, quantity: 3 },
      ]);
      const events = await service.sql.db
        .selectFrom('outbox')
        .select(['payload'])
        .where('type', '=', 'product.stock_changed')
        .where('aggregate_id', '=', order.id)
        .execute();
      assert.equal(events.length, 1);
      await eventually(
        'the index has the reserved stock',
        () => index.documents.get(first)?.stock === 8 && index.documents.get(second)?.stock === 7,
        { timeoutMs: 60_000 },
      );
      await shop.act(buyer.token, order.id, 'cancel');
      await eventually(
        'the index has the stock back',
        () => index.documents.get(first)?.stock === 10 && index.documents.get(second)?.stock === 10,
        { timeoutMs: 60_000 },
      );
    });

    test('an event replayed, or one of an older version, changes nothing', async () => {
      const { product, etag } = await create('Indexed Compass');
      const patched = await api.call(`/api/v1/products/${product.id}`, {
        method: 'PATCH',
        token: editor,
        json: { stock: 3 },
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': etag },
      });
      assert.equal(patched.status, 200);
      const current = (await patched.json()) as ProductBody;
      await arrival(product.id, current.version, performance.now());
      const held = index.documents.get(product.id);

      // The relay keys each job by the event id: one job per event, however
      // often the event is relayed.
      const created = await service.sql.db
        .selectFrom('outbox')
        .select(['id', 'type', 'aggregate_id', 'payload', 'occurred_at'])
        .where('type', '=', 'product.created')
        .where('aggregate_id', '=', product.id)
        .executeTakeFirstOrThrow();
      await service.sql.db
        .updateTable('outbox')
        .set({ relayed_at: null })
        .where('id', '=', created.id)
        .execute();
      await eventually('the event is relayed again', async () => {
        const row = await service.sql.db
          .selectFrom('outbox')
          .select('relayed_at')
          .where('id', '=', created.id)
          .executeTakeFirstOrThrow();
        return row.relayed_at !== null;
      });
      const jobs = await service.sql.db
        .selectFrom('jobs')
        .select('id')
        .where('queue', '=', EVENTS_QUEUE)
        .where('idempotency_key', '=', created.id)
        .execute();
      assert.equal(jobs.length, 1);

      // A job run again (delivery is at least once), and an event of an
      // older version handled late: both read the current row, and the
      // index keeps what it has.
      const handlers = new EventHandlers();
      registerSearchIndexing(handlers, { db: service.sql.db, index });
      const writesBefore = index.writes.length;
      const replayed: DomainEvent = {
        id: created.id,
        type: 'product.created',
        aggregateId: created.aggregate_id,
        data: created.payload as DomainEvent<'product.created'>['data'],
        occurredAt: created.occurred_at.toISOString(),
      };
      const context = { attempt: 2, signal: AbortSignal.timeout(60_000) };
      await handlers.dispatch(replayed, context);
      await handlers.dispatch(
        {
          ...replayed,
          id: randomUUID(),
          type: 'product.updated',
          data: { productId: product.id, version: 1 },
        },
        context,
      );
      assert.deepEqual(index.documents.get(product.id), held);
      const since = index.writes.slice(writesBefore);
      assert.ok(since.length > 0, 'the handlers wrote (and the index ignored it)');
      assert.deepEqual(
        since.flatMap((write) => write.changed),
        [],
      );
    });

    test('a product deleted while its update was being indexed does not come back', async () => {
      const { product } = await create('Indexed Sextant');
      await arrival(product.id, product.version, performance.now());
      // The delete commits between the handler's read and its upsert: the
      // stale document goes in, and the check after it takes it out again.
      const handlers = new EventHandlers();
      const racing: SearchIndex = {
        async upsert(documents) {
          await service.sql.db.deleteFrom('products').where('id', '=', product.id).execute();
          await index.remove([product.id]);
          await index.upsert(documents);
        },
        remove: (ids) => index.remove(ids),
        rebuild: (batches, options) => index.rebuild(batches, options),
      };
      registerSearchIndexing(handlers, { db: service.sql.db, index: racing });
      await handlers.dispatch(
        {
          id: randomUUID(),
          type: 'product.updated',
          aggregateId: product.id,
          data: { productId: product.id, version: product.version },
          occurredAt: new Date().toISOString(),
        },
        { attempt: 1, signal: AbortSignal.timeout(60_000) },
      );
      assert.equal(index.documents.has(product.id), false);
    });
  });
}

test('on an engine without an index (PostgreSQL) no product event handler is registered', () => {
  const handlers = new EventHandlers();
  const engine = {
    name: 'postgres',
    search: () => Promise.reject(new Error('unused')),
    suggest: () => Promise.resolve([]),
  };
  searchModule.workers?.({ search: engine, sql: undefined as never, handlers });
  for (const type of [
    'product.created',
    'product.updated',
    'product.deleted',
    'product.stock_changed',
  ] as const) {
    assert.equal(handlers.handlersOf(type).length, 0, type);
  }
});
