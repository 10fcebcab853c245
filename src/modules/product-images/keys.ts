// Where an image's objects live in the blob store: derived from the ids
// alone, so no user-supplied name ever reaches a key (or a path on disk).

export const IMAGE_PREFIX = 'products/';

export function productPrefix(productId: string): string {
  return `${IMAGE_PREFIX}${productId}/`;
}

export function imagePrefix(productId: string, imageId: string): string {
  return `${productPrefix(productId)}images/${imageId}/`;
}

export const imageKeys = (productId: string, imageId: string) => {
  const prefix = imagePrefix(productId, imageId);
  return {
    /** The upload as it arrived, metadata and all; removed once processed. */
    upload: `${prefix}upload`,
    /** Re-encoded without metadata (EXIF, GPS), at most DISPLAY_MAX px a side. */
    display: `${prefix}display`,
    thumbnail: `${prefix}thumbnail.webp`,
  };
};

/** The product and image ids of a key under IMAGE_PREFIX, if it is one of ours. */
export function idsOfKey(key: string): { productId: string; imageId: string } | undefined {
  const match = /^products\/(\d+)\/images\/(\d+)\//.exec(key);
  return match === null ? undefined : { productId: match[1]!, imageId: match[2]! };
}
