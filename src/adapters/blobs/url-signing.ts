// Presigned URLs for a store the service serves itself (the local disk): the
// query carries what the URL grants (method, expiry, and for an upload the
// exact size and content type) and an HMAC-SHA256 over all of it and the
// key, so changing any part — a later expiry, a larger size, another key —
// breaks the signature. The key is derived from the data key, so every
// instance checks URLs any other signed, and no extra secret is configured.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { blobError } from '../../ports/blob-errors.ts';
import type { SignedGrant } from '../../ports/blob-store.ts';

/** The path prefix every self-served URL starts with. */
export const SELF_SERVED_PREFIX = '/blobs/';

export interface UrlSigner {
  /** The query string (without `?`) granting `grant` until `expiresAt`. */
  sign(grant: SignedGrant, expiresAt: Date): string;
  /** The grant, or BLOBS_SIGNATURE_INVALID / BLOBS_URL_EXPIRED. */
  verify(method: string, key: string, query: URLSearchParams): SignedGrant;
}

const SIGNATURE_BYTES = 32;

export function createUrlSigner(signingKey: Buffer, now: () => number = Date.now): UrlSigner {
  const mac = (fields: readonly string[]) =>
    createHmac('sha256', signingKey).update(fields.join('\n')).digest();

  // Every granted field is signed, in a fixed order, with empty strings for absent ones.
  const signedFields = (
    method: string,
    key: string,
    expires: string,
    size: string,
    type: string,
  ) => ['throughline-blob-url-v1', method, key, expires, size, type];

  return {
    sign(grant, expiresAt) {
      const expires = String(Math.floor(expiresAt.getTime() / 1000));
      const size = grant.size === undefined ? '' : String(grant.size);
      const type = grant.contentType ?? '';
      const signature = mac(signedFields(grant.method, grant.key, expires, size, type));
      const query = new URLSearchParams({ expires });
      if (size !== '') query.set('size', size);
      if (type !== '') query.set('type', type);
      query.set('signature', signature.toString('base64url'));
      return query.toString();
    },

    verify(method, key, query) {
      const expires = query.get('expires') ?? '';
      const size = query.get('size') ?? '';
      const type = query.get('type') ?? '';
      const given = Buffer.from(query.get('signature') ?? '', 'base64url');
      const expected = mac(signedFields(method, key, expires, size, type));
      if (given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, expected)) {
        throw blobError('BLOBS_SIGNATURE_INVALID', {
          detail: 'the URL was changed, or was not signed for this method',
        });
      }
      // The signature is checked first: an edited expiry is a bad signature, not an expired URL.
      if (Number(expires) * 1000 <= now()) {
        throw blobError('BLOBS_URL_EXPIRED', { detail: 'ask for a new URL' });
      }
      return {
        method: method === 'PUT' ? 'PUT' : 'GET',
        key,
        ...(size === '' ? {} : { size: Number(size) }),
        ...(type === '' ? {} : { contentType: type }),
      };
    },
  };
}
