// The `Idempotency-Key` request header (IETF draft-ietf-httpapi-idempotency-key-header):
// a client-chosen unique string, sent again unchanged on every retry of one
// unsafe request. As a headers schema, so a missing or malformed key is the
// usual 422 naming the header.

import { z } from 'zod';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Headers schema for routes that require the key (other headers pass through). */
export const idempotencyKeyHeaders = z.object({
  [IDEMPOTENCY_KEY_HEADER]: z
    .string({ error: 'is required: send a unique key (e.g. a UUID) and reuse it on retries' })
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, { error: 'must be visible ASCII' })
    .meta({ example: '6f1c2a43-5a1e-4f7e-9a59-0d4f3c2b1a10' }),
});

/** Response header marking a stored response sent again for a retried key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
