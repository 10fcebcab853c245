// Where a product's finished images are fetched from, as the product
// representation shows them. The URLs are stable paths on this service
// (product-images/routes.ts answers each with a 302 to a freshly presigned
// object-store URL), not presigned URLs themselves: a product is cached and
// carries an ETag, and a cacheable representation must not embed a URL that
// expires before the representation does.

export type ImageVariant = (typeof IMAGE_VARIANTS)[number];

export const IMAGE_VARIANTS = ['display', 'thumbnail'] as const;

export function productImagePath(productId: string, imageId: string, variant: ImageVariant) {
  return `/api/v1/products/${productId}/images/${imageId}/${variant}`;
}
