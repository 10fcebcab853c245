// Product images end to end on the real service (local-disk store, inline
// workers): ask for an upload, send the bytes to the presigned URL, complete,
// wait for the processing job, and find the image — metadata stripped, with a
// thumbnail — in the product's image list. Then every refusal: a declared
// size over the limit (413) or a type off the allow-list (415) before any
// byte is sent, a spoofed type caught by the magic bytes (422), an edited
// URL (403), completing before uploading (409). Deleting an image or its
// product removes the objects; the sweep removes abandoned uploads. A
// finished image is part of its product (v1, v2, the list) with stable URLs
// that redirect to fresh presigned ones; finishing or deleting one is a new
// product version with its `product.updated` event.
//
// Two legs: the local-disk store on PGlite, and S3 (s3rver on a free port)
// on PostgreSQL when DATABASE_URL is set (else PGlite).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createLocalDiskBlobStore } from '../../src/adapters/blobs/local-disk.ts';
import { createS3BlobStore } from '../../src/adapters/blobs/s3.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { imagePrefix, productPrefix } from '../../src/modules/product-images/keys.ts';
import { sweepOrphanImages } from '../../src/modules/product-images/sweep.ts';
import { deriveKey } from '../../src/platform/data-key.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, problemCode, type ApiClient } from '../support/api.ts';
import { eventually } from '../support/eventually.ts';
import { ENGINES, type Engine } from '../support/engines.ts';
import { startS3Server } from '../support/s3-server.ts';
import { startService, type StartedService } from '../support/start.ts';

const DATA_KEY = Buffer.alloc(32, 7);
const MAX_UPLOAD = 2 * 1024 * 1024;

interface Image {
  id: string;
  status: string;
  url: string | null;
  thumbnailUrl: string | null;
  width: number | null;
}

/** An image as the product representation lists it. */
interface ProductImage {
  id: string;
  contentType: string;
  width: number | null;
  height: number | null;
  url: string;
  thumbnailUrl: string;
}

interface Ticket {
  image: Image;
  upload: { method: string; url: string; headers: Record<string, string> };
}

/** A JPEG carrying EXIF fields a shop must not publish. */
function photoWithMetadata(): Promise<Buffer> {
  return sharp({ create: { width: 1200, height: 800, channels: 3, background: '#c03030' } })
    .jpeg()
    .withExif({ IFD0: { Artist: 'Jane Photographer', Copyright: 'private' } })
    .toBuffer();
}

interface Leg {
  readonly name: string;
  readonly engine: Engine;
  /** Settings for the service, the store to inspect, and what to release afterwards. */
  open(): Promise<{
    env: Record<string, string>;
    store: (dataDir: string) => BlobStore;
    /** False where the server does not check signatures (s3rver). */
    checksSignatures: boolean;
    close(): Promise<void>;
  }>;
}

const [pglite, postgres] = ENGINES as [Engine, Engine];

const LEGS: readonly Leg[] = [
  {
    name: 'local disk',
    engine: pglite,
    open: () =>
      Promise.resolve({
        env: {},
        store: (dataDir) =>
          createLocalDiskBlobStore({
            dir: join(dataDir, 'blobs'),
            signingKey: deriveKey(DATA_KEY, 'blob-urls'),
          }),
        checksSignatures: true,
        close: () => Promise.resolve(),
      }),
  },
  {
    name: 'S3',
    engine: postgres.skip === false ? postgres : pglite,
    async open() {
      const server = await startS3Server();
      const stores: BlobStore[] = [];
      return {
        env: { S3_URL: server.url, S3_BUCKET: server.bucket },
        store: () => {
          const store = createS3BlobStore({ url: server.url, bucket: server.bucket });
          stores.push(store);
          return store;
        },
        checksSignatures: false,
        async close() {
          await Promise.all(stores.map((store) => store.close()));
          await server.stop();
        },
      };
    },
  },
];

for (const leg of LEGS) describeImages(leg);

function describeImages(leg: Leg): void {
  describe(`product images: ${leg.name} on ${leg.engine.name}`, () => {
    let service: StartedService;
    let opened: Awaited<ReturnType<Leg['open']>>;
    let database: { sql: SqlDatabase<Database>; close(): Promise<void> };
    let blobs: BlobStore;
    let api: ApiClient;
    let editor: string;
    let productId: string;

    const objectsUnder = async (prefix: string) => {
      const keys: string[] = [];
      for await (const entry of blobs.list(prefix)) keys.push(entry.key);
      return keys;
    };
    const absolute = (url: string) => new URL(url, service.url).href;

    async function requestUpload(contentType: string, size: number): Promise<Response> {
      return api.call(`/api/v1/products/${productId}/images`, {
        method: 'POST',
        token: editor,
        json: { contentType, size },
      });
    }

    async function upload(bytes: Buffer, contentType: string): Promise<Ticket> {
      const answer = await requestUpload(contentType, bytes.length);
      assert.equal(answer.status, 201, await answer.clone().text());
      const ticket = (await answer.json()) as Ticket;
      const put = await fetch(absolute(ticket.upload.url), {
        method: ticket.upload.method,
        headers: ticket.upload.headers,
        body: bytes,
      });
      assert.ok(put.ok, `${put.status} ${await put.text()}`);
      return ticket;
    }

    const complete = (imageId: string) =>
      api.call(`/api/v1/products/${productId}/images/${imageId}/complete`, {
        method: 'POST',
        token: editor,
      });

    const listed = async (): Promise<Image[]> => {
      const response = await api.call(`/api/v1/products/${productId}/images`);
      assert.equal(response.status, 200);
      return ((await response.json()) as { items: Image[] }).items;
    };

    before(async () => {
      opened = await leg.open();
      database = await leg.engine.open();
      service = await startService({
        sql: database.sql,
        env: {
          DATA_ENCRYPTION_KEY: DATA_KEY.toString('base64'),
          BLOB_MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
          ...opened.env,
        },
      });
      blobs = opened.store(service.dataDir);
      api = apiClient(service.url);
      editor = (await api.login(DEMO_ACCOUNTS.editor.email, DEMO_ACCOUNTS.editor.password))
        .accessToken;
      const product = await service.sql.db
        .selectFrom('products')
        .select('id')
        .orderBy('id')
        .limit(1)
        .executeTakeFirstOrThrow();
      productId = product.id;
    });
    after(async () => {
      await service.close();
      await database.close();
      await opened.close();
    });

    test('presign, upload, complete, process: the image is listed without its metadata', async () => {
      const photo = await photoWithMetadata();
      assert.ok((await sharp(photo).metadata()).exif !== undefined, 'the fixture carries EXIF');
      const ticket = await upload(photo, 'image/jpeg');
      assert.equal(ticket.image.status, 'pending');
      assert.equal(ticket.image.url, null);

      const completed = await complete(ticket.image.id);
      assert.equal(completed.status, 202);
      assert.equal(((await completed.json()) as Image).status, 'processing');

      const ready = await eventually('the image is processed', async () =>
        (await listed()).find((image) => image.id === ticket.image.id && image.status === 'ready'),
      );
      assert.equal(ready.width, 1200);

      const display = await fetch(absolute(ready.url!));
      assert.equal(display.status, 200);
      assert.equal(display.headers.get('content-type'), 'image/jpeg');
      const shown = await sharp(Buffer.from(await display.arrayBuffer())).metadata();
      assert.equal(shown.exif, undefined, 'EXIF stripped');
      assert.equal(shown.width, 1200);

      const thumbnail = await fetch(absolute(ready.thumbnailUrl!));
      assert.equal(thumbnail.headers.get('content-type'), 'image/webp');
      const small = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
      assert.ok(small.width <= 320 && small.height <= 320, `${small.width}×${small.height}`);

      // The upload itself, EXIF and all, is gone; the two derived objects remain.
      const keys = await objectsUnder(imagePrefix(productId, ticket.image.id));
      assert.deepEqual(keys.map((key) => key.split('/').pop()).sort(), [
        'display',
        'thumbnail.webp',
      ]);
    });

    test('a processed image is part of the product: new version, event, stable URLs', async () => {
      const read = async (path = `/api/v1/products/${productId}`) => {
        const response = await api.call(path);
        assert.equal(response.status, 200);
        return {
          etag: response.headers.get('etag'),
          body: (await response.json()) as { version: number; images: ProductImage[] },
        };
      };
      const before = await read();
      const ticket = await upload(await photoWithMetadata(), 'image/jpeg');
      assert.equal((await complete(ticket.image.id)).status, 202);
      const shown = await eventually('the product shows the image', async () => {
        const now = await read();
        return now.body.images.some((image) => image.id === ticket.image.id) ? now : undefined;
      });
      assert.equal(
        shown.body.version,
        before.body.version + 1,
        JSON.stringify({ before: before.etag, shown: shown.etag }),
      );
      assert.notEqual(shown.etag, before.etag);
      assert.equal(shown.etag, `"p${productId}.v${shown.body.version}"`);
      const image = shown.body.images.find((entry) => entry.id === ticket.image.id)!;
      assert.deepEqual(image, {
        id: ticket.image.id,
        contentType: 'image/jpeg',
        width: 1200,
        height: 800,
        url: `/api/v1/products/${productId}/images/${ticket.image.id}/display`,
        thumbnailUrl: `/api/v1/products/${productId}/images/${ticket.image.id}/thumbnail`,
      });

      const events = await service.sql.db
        .selectFrom('outbox')
        .select(['payload'])
        .where('type', '=', 'product.updated')
        .where('aggregate_id', '=', productId)
        .execute();
      const versions = events.map((event) => (event.payload as { version: number }).version);
      assert.ok(versions.includes(shown.body.version), `events of versions ${versions.join()}`);

      // The stable URLs answer 302 to a fresh presigned URL of the bytes.
      for (const [url, type] of [
        [image.url, 'image/jpeg'],
        [image.thumbnailUrl, 'image/webp'],
      ] as const) {
        const redirect = await fetch(absolute(url), { redirect: 'manual' });
        assert.equal(redirect.status, 302);
        const bytes = await fetch(absolute(redirect.headers.get('location')!));
        assert.equal(bytes.status, 200);
        assert.equal(bytes.headers.get('content-type'), type);
        await bytes.arrayBuffer();
      }

      // The v2 representation and the list carry it too.
      const v2 = await read(`/api/v2/products/${productId}`);
      assert.ok(v2.body.images.some((entry) => entry.id === ticket.image.id));
      const list = await api.call('/api/v1/products?limit=100&sort=id');
      const page = (await list.json()) as { data: { id: string; images: ProductImage[] }[] };
      const listed = page.data.find((product) => product.id === productId);
      assert.ok(listed?.images.some((entry) => entry.id === ticket.image.id));

      // Deleting it is another version, and its stable URL is then 404.
      const removed = await api.call(`/api/v1/products/${productId}/images/${ticket.image.id}`, {
        method: 'DELETE',
        token: editor,
      });
      assert.equal(removed.status, 204);
      const after = await read();
      assert.equal(after.body.version, shown.body.version + 1);
      assert.ok(!after.body.images.some((entry) => entry.id === ticket.image.id));
      const gone = await fetch(absolute(image.url), { redirect: 'manual' });
      assert.equal(gone.status, 404);
      assert.equal(await problemCode(gone), 'PRODUCT_IMAGES_NOT_FOUND');
    });

    test('a declared size over the limit is 413, a type off the allow-list 415', async () => {
      const big = await requestUpload('image/png', MAX_UPLOAD + 1);
      assert.equal(big.status, 413);
      assert.equal(await problemCode(big), 'PRODUCT_IMAGES_TOO_LARGE');
      for (const type of ['image/svg+xml', 'text/html', 'application/octet-stream']) {
        const refused = await requestUpload(type, 100);
        assert.equal(refused.status, 415, type);
        assert.equal(await problemCode(refused), 'PRODUCT_IMAGES_UNSUPPORTED_TYPE');
      }
    });

    test('bytes that are not the declared type are refused on completion and removed', async () => {
      const html = Buffer.from(`<html><script>alert(1)</script>${'x'.repeat(200)}</html>`);
      const spoofed = await upload(html, 'image/png');
      const refused = await complete(spoofed.image.id);
      assert.equal(refused.status, 422);
      assert.equal(await problemCode(refused), 'PRODUCT_IMAGES_CONTENT_MISMATCH');
      assert.deepEqual(await objectsUnder(imagePrefix(productId, spoofed.image.id)), []);
      assert.ok(!(await listed()).some((image) => image.id === spoofed.image.id));

      // A real JPEG declared as PNG is a mismatch too.
      const jpeg = await upload(await photoWithMetadata(), 'image/png');
      const mislabelled = await complete(jpeg.image.id);
      assert.equal(mislabelled.status, 422);
      await mislabelled.arrayBuffer();
    });

    test('an edited upload URL is 403, and completing before uploading is 409', async () => {
      const answer = await requestUpload('image/png', 1000);
      const ticket = (await answer.json()) as Ticket;
      const early = await complete(ticket.image.id);
      assert.equal(early.status, 409);
      assert.equal(await problemCode(early), 'PRODUCT_IMAGES_NOT_UPLOADED');
      // s3rver checks no signatures; the bucket does (and the adapter's test shows what is signed).
      if (!opened.checksSignatures) return;
      const edited = new URL(absolute(ticket.upload.url));
      edited.searchParams.set('size', '100000');
      const put = await fetch(edited, {
        method: 'PUT',
        headers: ticket.upload.headers,
        body: Buffer.alloc(100_000),
      });
      assert.equal(put.status, 403);
      assert.equal(await problemCode(put), 'BLOBS_SIGNATURE_INVALID');
    });

    test('deleting an image removes its objects', async () => {
      const ticket = await upload(await photoWithMetadata(), 'image/jpeg');
      assert.equal((await complete(ticket.image.id)).status, 202);
      await eventually('processed', async () =>
        (await listed()).some((image) => image.id === ticket.image.id && image.status === 'ready'),
      );
      const removed = await api.call(`/api/v1/products/${productId}/images/${ticket.image.id}`, {
        method: 'DELETE',
        token: editor,
      });
      assert.equal(removed.status, 204);
      assert.deepEqual(await objectsUnder(imagePrefix(productId, ticket.image.id)), []);
      const again = await api.call(`/api/v1/products/${productId}/images/${ticket.image.id}`, {
        method: 'DELETE',
        token: editor,
      });
      assert.equal(again.status, 404);
      assert.equal(await problemCode(again), 'PRODUCT_IMAGES_NOT_FOUND');
    });

    test('deleting the product removes every object of its images', async () => {
      const source = (await (await api.call(`/api/v1/products/${productId}`)).json()) as {
        brand: { slug: string };
        category: { slug: string };
      };
      const created = await api.call('/api/v1/products', {
        method: 'POST',
        token: editor,
        json: {
          sku: `IMG-${randomUUID().slice(0, 8)}`,
          title: 'A product with pictures',
          brand: source.brand.slug,
          category: source.category.slug,
          price: { amount: 1000, currency: 'EUR' },
          stock: 1,
        },
      });
      assert.equal(created.status, 201, await created.clone().text());
      const etag = created.headers.get('etag')!;
      const owner = ((await created.json()) as { id: string }).id;
      const previous = productId;
      productId = owner;
      try {
        await upload(await photoWithMetadata(), 'image/jpeg');
        assert.equal((await objectsUnder(productPrefix(owner))).length, 1);
        const deleted = await api.call(`/api/v1/products/${owner}`, {
          method: 'DELETE',
          token: editor,
          headers: { 'if-match': etag },
        });
        assert.equal(deleted.status, 204, await deleted.text());
        await eventually('the objects are removed', async () =>
          (await objectsUnder(productPrefix(owner))).length === 0 ? true : undefined,
        );
      } finally {
        productId = previous;
      }
    });

    test('the sweep removes uploads never completed, and objects without a row', async () => {
      const abandoned = await upload(Buffer.from('partial'), 'image/png');
      // An object no row points at: an image id that was never issued.
      const stray = `${imagePrefix(productId, '999999999')}upload`;
      const store = blobs;
      await store.put(stray, Buffer.from('stray'), { contentType: 'image/png' });

      // Nothing is old enough yet: the grace period protects uploads in flight.
      const early = await sweepOrphanImages(
        { db: service.sql.db, blobs: store },
        { graceMs: 3_600_000 },
      );
      assert.deepEqual(early, { abandonedUploads: 0, orphanObjects: 0 });

      const later = new Date(Date.now() + 2 * 3_600_000);
      const swept = await sweepOrphanImages(
        { db: service.sql.db, blobs: store },
        { graceMs: 3_600_000, now: later },
      );
      assert.ok(swept.abandonedUploads >= 1 && swept.orphanObjects >= 1, JSON.stringify(swept));
      assert.deepEqual(await objectsUnder(imagePrefix(productId, abandoned.image.id)), []);
      assert.equal(await store.head(stray), undefined);
      assert.ok(!(await listed()).some((image) => image.id === abandoned.image.id));
      // Ready images are untouched.
      assert.ok((await listed()).some((image) => image.status === 'ready'));
    });
  });
}
