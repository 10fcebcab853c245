// The baseline: Fastify 5 and a node-postgres pool (10 connections, like the
// service's default), the same join, the same JSON shape and a version ETag,
// written the way a Fastify user would: a params schema checked by Fastify,
// a parameterised query, reply.send of a plain object.
//
// The product list calls the catalog's own code — parseListRequest, the
// repository's runProductList with its compiled queries (Kysely only
// compiles here; node-postgres runs them) and listEnvelope — so both servers
// send the same SQL and the same JSON, and the difference measured is the
// HTTP stack and the driver path around it. The query string is checked by
// Fastify's own JSON-schema validation (with its coercion and defaults).
//
// PG_NAMED_STATEMENTS=true sends every query as a named statement (pg's
// `name`), as the service does by default: the `fastify + pg, named` contender,
// which shows how much of a difference is the statements and how much the rest.

import { fastify } from 'fastify';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import type { Database } from '../../../src/wiring/tables.ts';
import { isAppError } from '../../../src/errors/index.ts';
import { createCursorCodec } from '../../../src/modules/catalog/cursor.ts';
import { deriveKey, loadDataKey } from '../../../src/platform/data-key.ts';
import { listEnvelope, parseListRequest } from '../../../src/modules/catalog/listing.ts';
import {
  runProductList,
  toProduct,
  type ProductRow,
  type RunQuery,
} from '../../../src/modules/catalog/repo.ts';
import type { ProductListQuery } from '../../../src/modules/catalog/schemas.ts';
import { exitOnSignal } from '../../servers/listen.ts';
import { PRODUCT_ID_PARAMS } from './product-id-params.ts';

const databaseUrl = process.env['DATABASE_URL'];
if (databaseUrl === undefined) throw new Error('DATABASE_URL is required');
const dataDir = process.env['DATA_DIR'];
if (dataDir === undefined) throw new Error('DATA_DIR is required (the data key is read there)');

const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });

const named = process.env['PG_NAMED_STATEMENTS'] === 'true';
const names = new Map<string, string>();
/** The query as pg takes it: named (one name per text) when PG_NAMED_STATEMENTS=true. */
function statement(text: string, values: unknown[]): pg.QueryConfig {
  if (!named) return { text, values };
  let name = names.get(text);
  if (name === undefined) {
    name = `q${names.size}`;
    names.set(text, name);
  }
  return { name, text, values };
}

/**
 * Signs the list's cursors as the service does, with the key the service
 * contenders read from the same DATA_DIR: the pages' `next` links, and so
 * their ETags, come out byte for byte the same.
 */
const { key: dataKey } = await loadDataKey(undefined, dataDir);
const cursors = createCursorCodec(deriveKey(dataKey, 'catalog-cursor'));

const PRODUCT_BY_ID = `
  select p.id, p.sku, p.title, p.description, p.tags, p.price_amount, p.currency,
         p.stock, p.version, p.created_at, p.updated_at,
         b.id as brand_id, b.slug as brand_slug, b.name as brand_name,
         c.id as category_id, c.slug as category_slug, c.name as category_name,
         -- The product's finished images, as the service's repository reads them.
         coalesce((
           select json_agg(json_build_object(
             'id', i.id::text, 'contentType', i.content_type, 'width', i.width, 'height', i.height
           ) order by i.id)
             from product_images i
            where i.product_id = p.id and i.status = 'ready'
         ), '[]'::json) as images
    from products p
    join brands b on b.id = p.brand_id
    join categories c on c.id = p.category_id
   where p.id = $1`;

/** node-postgres defaults: int8 → string, integer → number, timestamptz → Date, text[] → string[]. */

const app = fastify({ logger: false });

// Compiles the repository's queries; never connects (node-postgres runs them).
const compiler = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });

const viaPool: RunQuery = async <R>(query: CompiledQuery<R>) =>
  (await pool.query(statement(query.sql, [...query.parameters]))).rows as R[];

const SLUG = '^[a-z0-9]+(-[a-z0-9]+)*$';
const INT4 = { type: 'integer', minimum: 0, maximum: 2147483647 };

app.get<{ Querystring: ProductListQuery }>(
  '/api/v1/products',
  {
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          page: { type: 'integer', minimum: 1, maximum: 10000 },
          limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          after: { type: 'string' },
          sort: { type: 'string' },
          category: { type: 'string', maxLength: 64, pattern: SLUG },
          brand: { type: 'string', maxLength: 64, pattern: SLUG },
          minPrice: INT4,
          maxPrice: INT4,
          tag: { type: 'string', minLength: 1, maxLength: 40 },
        },
      },
    },
  },
  async (request, reply) => {
    let spec;
    try {
      spec = parseListRequest(request.query, cursors);
    } catch (error) {
      if (isAppError(error)) return reply.code(error.status).send({ code: error.code });
      throw error;
    }
    const page = await runProductList(compiler, spec, viaPool);
    void reply.header('cache-control', 'public, max-age=10');
    return listEnvelope('/api/v1/products', spec, page, cursors);
  },
);

app.get<{ Params: { id: string } }>(
  '/api/v1/products/:id',
  {
    schema: { params: PRODUCT_ID_PARAMS },
  },
  async (request, reply) => {
    const { rows } = await pool.query<ProductRow>(statement(PRODUCT_BY_ID, [request.params.id]));
    const row = rows[0];
    if (row === undefined) {
      return reply.code(404).send({ error: 'not found' });
    }
    void reply
      .header('etag', `"p${row.id}.v${row.version}"`)
      .header('cache-control', 'public, max-age=60');
    // The service's own row-to-wire mapping: the contenders differ in what surrounds it.
    return toProduct(row);
  },
);

exitOnSignal(() => {
  void app.close();
  void pool.end();
});

await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
process.stdout.write(`${JSON.stringify({ port: address.port, pid: process.pid })}\n`);
