// Catalog HTTP routes: parse, call the service, shape the response.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/cache-control.ts';
import { checkPreconditions } from '../../http/preconditions.ts';
import { idParam, product } from './schemas.ts';
import { productEtag, type CatalogService } from './service.ts';

export function registerCatalogRoutes(app: App, catalog: CatalogService): void {
  app.group('/api/v1', { tags: ['catalog'] }, (v1) => {
    v1.route({
      method: 'GET',
      path: '/products/:id',
      auth: 'public',
      summary: 'Read one product',
      // The version-based ETag below replaces hashing the body.
      etag: false,
      schema: {
        params: z.strictObject({ id: idParam }),
        responses: {
          200: {
            description: 'The product',
            schema: product,
            headers: { etag: { description: 'Changes with every write' } },
          },
        },
      },
      handler: async (c) => {
        const found = await catalog.getProduct(c.input.params.id);
        c.set('cache-control', cacheControl({ visibility: 'public', maxAge: 60 }));
        if (checkPreconditions(c, { etag: productEtag(found) }) === 'not-modified') return;
        return found;
      },
    });
  });
}
