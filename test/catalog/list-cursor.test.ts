// The product list's cursors are the service's own, on both engines: a cursor
// a client builds — with the right fingerprint, which anyone can compute, and
// values that break the query — or changes is a 400 CATALOG_INVALID_CURSOR,
// never a query and never a 500; the cursors the service issues keep paging
// through every product once, on v1 and v2, and another instance with the
// same data key takes them too.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';

interface Envelope {
  data: { id: string }[];
  links: { next: string | null };
}

interface Problem {
  code: string;
  detail?: string;
  errors?: { field: string; in: string }[];
}

/** What a client can work out from the docs: the fingerprint is a SHA-256 with no secret. */
function forge(values: unknown[], canonical: unknown[]): string {
  const print = createHash('sha256')
    .update(JSON.stringify(canonical))
    .digest('base64url')
    .slice(0, 11);
  return Buffer.from(JSON.stringify({ k: values, f: print }), 'utf8').toString('base64url');
}

for (const engine of ENGINES) {
  describe(`product list cursors on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    const dataKey = randomBytes(32).toString('base64');

    before(async () => {
      database = await engine.open();
      service = await startService({ sql: database.sql, env: { DATA_ENCRYPTION_KEY: dataKey } });
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    const list = async (url: string, path: string): Promise<Envelope> => {
      const res = await fetch(`${url}${path}`);
      assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
      return (await res.json()) as Envelope;
    };

    const refused = async (path: string): Promise<Problem> => {
      const res = await fetch(`${service.url}${path}`);
      const text = await res.text();
      assert.equal(res.status, 400, `${path}: ${text}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const problem = JSON.parse(text) as Problem;
      assert.equal(problem.code, 'CATALOG_INVALID_CURSOR');
      assert.deepEqual(
        problem.errors?.map((e) => `${e.in}.${e.field}`),
        ['query.after'],
      );
      return problem;
    };

    test('a forged cursor with a valid fingerprint is refused, whatever it holds', async () => {
      const forged: [string, string][] = [
        // Values that pass a shape check and break the query.
        ['sort=-createdAt', forge(['-9223372036854775808', '1'], ['-createdAt'])],
        ['', forge(['9999999999999999999'], ['id'])],
        ['sort=title', forge(['a\u0000b', '1'], ['title'])],
        // Harmless values: still not the service's cursor.
        ['', forge(['5'], ['id'])],
        ['tag=sale&sort=-price', forge([100, '5'], ['-price', 'tag', 'sale'])],
      ];
      for (const [query, cursor] of forged) {
        const prefix = query === '' ? '' : `${query}&`;
        for (const version of ['v1', 'v2']) {
          const problem = await refused(`/api/${version}/products?${prefix}after=${cursor}`);
          // A short one cannot even hold a signature: malformed.
          assert.match(problem.detail ?? '', /not issued by this service|malformed/);
        }
      }
    });

    test('a genuine cursor with a byte changed is refused', async () => {
      const first = await list(service.url, '/api/v1/products?limit=3');
      const cursor = new URL(first.links.next!, service.url).searchParams.get('after')!;
      const bytes = Buffer.from(cursor, 'base64url');
      bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 1;
      await refused(`/api/v1/products?limit=3&after=${bytes.toString('base64url')}`);
    });

    test('genuine cursors page through every product once, in order, on v1 and v2', async () => {
      const expected = (
        await database.sql.db
          .selectFrom('products')
          .select('id')
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .execute()
      ).map((row) => row.id);
      for (const version of ['v1', 'v2']) {
        const ids: string[] = [];
        let next: string | null = `/api/${version}/products?sort=-createdAt&limit=40`;
        while (next !== null) {
          const page: Envelope = await list(service.url, next);
          ids.push(...page.data.map((item) => item.id));
          next = page.links.next;
          if (next !== null) assert.match(next, /&after=[A-Za-z0-9_-]+$/);
          assert.ok(ids.length <= expected.length, 'the walk ends');
        }
        assert.deepEqual(ids, expected, version);
      }
    });

    test('another instance with the same data key takes the cursor; one with another key does not', async () => {
      const first = await list(service.url, '/api/v1/products?limit=5');
      const next = first.links.next!;
      const twin = await startService({ sql: database.sql, env: { DATA_ENCRYPTION_KEY: dataKey } });
      const stranger = await startService({
        sql: database.sql,
        env: { DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64') },
      });
      try {
        const here = await list(service.url, next);
        const there = await list(twin.url, next);
        assert.deepEqual(there.data, here.data);
        const res = await fetch(`${stranger.url}${next}`);
        assert.equal(res.status, 400);
        assert.equal(((await res.json()) as Problem).code, 'CATALOG_INVALID_CURSOR');
      } finally {
        await twin.close();
        await stranger.close();
      }
    });
  });
}
