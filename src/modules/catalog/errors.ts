import { defineErrors, errorFactory } from '../../errors/index.ts';

export const catalogErrors = defineErrors({
  CATALOG_PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found', level: 'debug' },
  CATALOG_INVALID_SORT: { status: 400, title: 'Invalid sort', level: 'info' },
  CATALOG_INVALID_RANGE: { status: 400, title: 'Invalid price range', level: 'info' },
  CATALOG_INVALID_CURSOR: { status: 400, title: 'Invalid cursor', level: 'info' },
  // A page number and a cursor each say where the page starts; both at once is ambiguous.
  CATALOG_PAGINATION_CONFLICT: {
    status: 400,
    title: 'Page and cursor cannot be combined',
    level: 'info',
  },
  // `q` is answered by the search engine, which filters by category, brand and price only.
  CATALOG_PARAMETER_CONFLICT: {
    status: 400,
    title: 'Parameters cannot be combined',
    level: 'info',
  },
  CATALOG_SKU_TAKEN: { status: 409, title: 'SKU already in use', level: 'info' },
  CATALOG_UNKNOWN_REFERENCE: { status: 422, title: 'Unknown brand or category', level: 'info' },
  // The If-Match check passed, but another write landed before this one's update.
  CATALOG_VERSION_CONFLICT: {
    status: 412,
    title: 'Product changed concurrently',
    level: 'info',
  },
  // Orders keep pointing at the products they sold (order_items, on delete restrict).
  CATALOG_PRODUCT_IN_USE: { status: 409, title: 'Product is referenced by orders', level: 'info' },
});

export const catalogError = errorFactory(catalogErrors);
