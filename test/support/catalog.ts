// What the catalog suites expect of a product's representation.

/** The members of a v1 product, sorted: what a read and every list item carry. */
export const PRODUCT_V1_FIELDS = [
  'brand',
  'category',
  'createdAt',
  'description',
  'id',
  'images',
  'price',
  'sku',
  'stock',
  'tags',
  'title',
  'updatedAt',
  'version',
] as const;
