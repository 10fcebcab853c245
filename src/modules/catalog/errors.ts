import { defineErrors, errorFactory } from '../../http/errors.ts';

export const catalogErrors = defineErrors({
  CATALOG_PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found', level: 'debug' },
});

export const catalogError = errorFactory(catalogErrors);
