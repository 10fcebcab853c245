// Product-image routes: ask for an upload, complete it, list, delete. The
// bytes never pass through these routes: the client sends them to the
// presigned URL (the object store, or /blobs/<key> on local disk).
//
// A finished image is fetched through a stable route that redirects (302)
// to a freshly presigned URL: the product representation, cached and
// tagged, links to that route instead of embedding a URL that expires
// (catalog/image-links.ts).

import type { App } from '../../http/app.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';
import {
  EXAMPLE_PROCESSING_IMAGE,
  imageParams,
  imageVariantParams,
  imageUploadInput,
  imageUploadTicket,
  productImage,
  productImageList,
  productParams,
} from './schemas.ts';
import type { ImageSettings, ProductImagesService } from './service.ts';

export function registerProductImageRoutes(
  app: App,
  images: ProductImagesService,
  settings: Pick<ImageSettings, 'presignTtlSeconds'>,
): void {
  // The redirect may be reused while the URL it names is still good for a while.
  const redirectMaxAge = Math.floor(settings.presignTtlSeconds / 2);
  app.group('/api/v1', { tags: ['catalog'], errors: DATABASE_ERRORS }, (v1) => {
    v1.route({
      method: 'POST',
      path: '/products/:id/images',
      permissions: ['catalog:write'],
      operationId: 'createProductImage',
      summary: 'Start an image upload',
      description:
        'Declare the image’s type and exact size; the answer is a presigned upload (method, URL, headers) valid for BLOB_PRESIGN_TTL_S. Send the bytes there, then call completeProductImage. A size above BLOB_MAX_UPLOAD_BYTES is 413 and a type outside JPEG, PNG, WebP and GIF 415, before any byte is sent.',
      errors: [
        'PRODUCT_IMAGES_PRODUCT_NOT_FOUND',
        'PRODUCT_IMAGES_TOO_LARGE',
        'PRODUCT_IMAGES_UNSUPPORTED_TYPE',
      ],
      schema: {
        params: productParams,
        body: imageUploadInput,
        responses: { 201: { description: 'Upload ready', schema: imageUploadTicket } },
      },
      handler: async (c) => {
        const { id } = c.input.params;
        const ticket = await images.requestUpload(id, c.input.body);
        c.created(`/api/v1/products/${id}/images/${ticket.image.id}`, ticket);
      },
    });

    v1.route({
      method: 'POST',
      path: '/products/:id/images/:imageId/complete',
      permissions: ['catalog:write'],
      operationId: 'completeProductImage',
      summary: 'Complete an image upload',
      description:
        'Checks the uploaded bytes — the declared size, and the real type by its magic bytes, which must be the declared one — and queues the resizing; the image is `ready` (with its URLs) once that ran. Bytes that are not the declared image are removed with 422 PRODUCT_IMAGES_CONTENT_MISMATCH; completing before uploading is 409. Completing twice answers the image as it is.',
      errors: [
        'PRODUCT_IMAGES_NOT_FOUND',
        'PRODUCT_IMAGES_NOT_UPLOADED',
        'PRODUCT_IMAGES_CONTENT_MISMATCH',
      ],
      schema: {
        params: imageParams,
        responses: {
          202: {
            description: 'Accepted for processing',
            schema: productImage.meta({ example: EXAMPLE_PROCESSING_IMAGE }),
          },
        },
      },
      handler: async (c) => {
        const { id, imageId } = c.input.params;
        c.json(await images.complete(id, imageId), 202);
      },
    });

    v1.route({
      method: 'GET',
      path: '/products/:id/images',
      auth: 'public',
      operationId: 'listProductImages',
      summary: 'List a product’s images',
      description:
        'Every image of the product, oldest first, with presigned URLs (valid for BLOB_PRESIGN_TTL_S) for the ready ones.',
      errors: ['PRODUCT_IMAGES_PRODUCT_NOT_FOUND'],
      etag: false,
      schema: {
        params: productParams,
        responses: { 200: { description: 'The images', schema: productImageList } },
      },
      handler: async (c) => {
        c.set('cache-control', 'private, no-store');
        return { items: await images.list(c.input.params.id) };
      },
    });

    v1.route({
      method: 'GET',
      path: '/products/:id/images/:imageId/:variant',
      auth: 'public',
      operationId: 'getProductImageFile',
      summary: 'Fetch a finished image',
      description:
        'A 302 to a freshly presigned URL of the image (`display`, without its metadata) or its WebP `thumbnail`. These are the stable URLs the product representation lists; the redirect itself may be cached for half of BLOB_PRESIGN_TTL_S. An image not (or no longer) ready is 404.',
      errors: ['PRODUCT_IMAGES_NOT_FOUND'],
      etag: false,
      schema: {
        params: imageVariantParams,
        responses: { 302: { description: 'To the image bytes; see Location' } },
      },
      handler: async (c) => {
        const { id, imageId, variant } = c.input.params;
        const location = await images.download(id, imageId, variant);
        c.set('cache-control', `private, max-age=${redirectMaxAge}`);
        c.redirect(location, 302);
      },
    });

    v1.route({
      method: 'DELETE',
      path: '/products/:id/images/:imageId',
      permissions: ['catalog:write'],
      operationId: 'deleteProductImage',
      summary: 'Delete an image',
      description: 'Removes the image and its objects (display image, thumbnail, upload).',
      errors: ['PRODUCT_IMAGES_NOT_FOUND'],
      schema: {
        params: imageParams,
        responses: { 204: { description: 'Deleted' } },
      },
      handler: async (c) => {
        const { id, imageId } = c.input.params;
        await images.remove(id, imageId);
        c.noContent();
      },
    });
  });
}
