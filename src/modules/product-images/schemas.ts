import { z } from 'zod';
import { bigintId } from '../../platform/sql/pg-values.ts';
import { IMAGE_VARIANTS } from '../catalog/image-links.ts';
import { ALLOWED_IMAGE_TYPES } from './allow-list.ts';

export const productParams = z.strictObject({ id: bigintId });
export const imageParams = z.strictObject({ id: bigintId, imageId: bigintId });
export const imageVariantParams = imageParams.extend({
  variant: z.enum(IMAGE_VARIANTS).meta({ description: 'display or thumbnail' }),
});

export const imageUploadInput = z
  .strictObject({
    contentType: z
      .string()
      .max(100)
      .meta({
        description: `The image's type: one of ${ALLOWED_IMAGE_TYPES.join(', ')} (415 otherwise)`,
        example: 'image/jpeg',
      }),
    size: z
      .number()
      .int()
      .min(1)
      .meta({ description: 'The exact size in bytes (413 above BLOB_MAX_UPLOAD_BYTES)' }),
  })
  .meta({ id: 'ProductImageUploadInput', example: { contentType: 'image/jpeg', size: 482_113 } });

// For the document's examples: image 8 of product 42 just declared, and
// image 7 ready, with URLs presigned the way the service's own blob store
// signs them (adapters/blobs/url-signing.ts).
const EXAMPLE_NEW_IMAGE = {
  id: '8',
  productId: '42',
  status: 'pending',
  contentType: 'image/jpeg',
  size: 482_113,
  width: null,
  height: null,
  url: null,
  thumbnailUrl: null,
  createdAt: '2026-12-07T10:00:00.000Z',
};

/** For the document's examples: the image once its bytes are checked. */
export const EXAMPLE_PROCESSING_IMAGE = { ...EXAMPLE_NEW_IMAGE, status: 'processing' };

const EXAMPLE_READY_IMAGE = {
  id: '7',
  productId: '42',
  status: 'ready',
  contentType: 'image/jpeg',
  size: 1_204_577,
  width: 1600,
  height: 1200,
  url: '/blobs/products/42/images/7/display?expires=1796638800&signature=YbUUDJaf2pSKalIS2ohSX0ibrG1nkPtWrnJ6buH-h6k',
  thumbnailUrl:
    '/blobs/products/42/images/7/thumbnail.webp?expires=1796638800&signature=JVJ0wp3uLCWbgR95dY_LHMlqv1zN3IiOQ6QPi79gcJQ',
  createdAt: '2026-03-02T09:58:00.000Z',
};

export const productImage = z
  .strictObject({
    id: z.string(),
    productId: z.string(),
    status: z.enum(['pending', 'processing', 'ready', 'failed']).meta({
      description:
        'pending: waiting for the bytes and completeProductImage; processing: checked, being resized; ready: shown; failed: could not be decoded',
    }),
    contentType: z.string(),
    size: z.number().int(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    url: z.string().nullable().meta({
      description: 'Presigned and expiring: the image without its metadata; null until ready',
    }),
    thumbnailUrl: z
      .string()
      .nullable()
      .meta({ description: 'Presigned and expiring: a WebP thumbnail; null until ready' }),
    createdAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'ProductImage', example: EXAMPLE_READY_IMAGE });

export const presignedUpload = z
  .strictObject({
    method: z.enum(['PUT']),
    url: z.string().meta({ description: 'Absolute, or a path on this service' }),
    headers: z
      .record(z.string(), z.string())
      .meta({ description: 'Send exactly these headers with the bytes' }),
    expiresAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'PresignedUpload' });

export const imageUploadTicket = z
  .strictObject({ image: productImage, upload: presignedUpload })
  .meta({
    id: 'ProductImageUpload',
    example: {
      image: EXAMPLE_NEW_IMAGE,
      upload: {
        method: 'PUT',
        url: '/blobs/products/42/images/8/upload?expires=1796638500&size=482113&type=image%2Fjpeg&signature=Kw6Slsj-Q8pap-IctcdHcGo2gPgpoMKCyiAM4YIGLZM',
        headers: { 'content-type': 'image/jpeg' },
        expiresAt: '2026-12-07T10:15:00.000Z',
      },
    },
  });

export const productImageList = z
  .strictObject({ items: z.array(productImage) })
  .meta({ id: 'ProductImageList', example: { items: [EXAMPLE_READY_IMAGE, EXAMPLE_NEW_IMAGE] } });
