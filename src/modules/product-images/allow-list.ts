// The image types a product may show: what every browser displays and sharp
// decodes. SVG is left out on purpose (it can carry script), as are formats
// browsers do not all show (HEIC, TIFF).

export const ALLOWED_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;

export type AllowedImageType = (typeof ALLOWED_IMAGE_TYPES)[number];

export function isAllowedImageType(type: string): type is AllowedImageType {
  return (ALLOWED_IMAGE_TYPES as readonly string[]).includes(type);
}

/** Bytes file-type needs to tell these formats apart (its own sample size). */
export const SNIFF_BYTES = 4100;
