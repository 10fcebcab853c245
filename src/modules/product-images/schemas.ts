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
  .meta({ id: 'ProductImage' });

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
  .meta({ id: 'ProductImageUpload' });

export const productImageList = z
  .strictObject({ items: z.array(productImage) })
  .meta({ id: 'ProductImageList' });
