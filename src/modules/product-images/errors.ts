import { defineErrors, errorFactory } from '../../errors/index.ts';

export const productImagesErrors = defineErrors({
  PRODUCT_IMAGES_PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found', level: 'debug' },
  PRODUCT_IMAGES_NOT_FOUND: { status: 404, title: 'Image not found', level: 'debug' },
  // Declared larger than BLOB_MAX_UPLOAD_BYTES: refused before any byte is sent.
  PRODUCT_IMAGES_TOO_LARGE: { status: 413, title: 'Image too large', level: 'info' },
  // Declared as a type outside the allow-list.
  PRODUCT_IMAGES_UNSUPPORTED_TYPE: { status: 415, title: 'Unsupported image type', level: 'info' },
  // Completed before the bytes were uploaded (or after they were swept).
  PRODUCT_IMAGES_NOT_UPLOADED: { status: 409, title: 'Image not uploaded yet', level: 'info' },
  // The bytes are not the declared image type (their magic bytes say otherwise).
  PRODUCT_IMAGES_CONTENT_MISMATCH: {
    status: 422,
    title: 'Image content does not match its type',
    level: 'info',
  },
});

export const productImagesError = errorFactory(productImagesErrors);
