// API keys on the wire. The key itself appears in exactly one response, the
// creation's; lists and every other shape carry only the public prefix.
// Ids travel as strings, timestamps as ISO-8601 UTC.

import { z } from 'zod';
import { uniqueItems } from '../../http/request/input-rules.ts';
import { pgText } from '../../platform/sql/pg-values.ts';
import { API_KEY_SCOPES } from '../users/rbac.ts';

export const API_KEY_MAX_LIFETIME_DAYS = 365;

export const apiKeyScope = z.enum(API_KEY_SCOPES);

export const apiKeyCreation = z
  .strictObject({
    name: pgText().trim().min(1).max(100),
    scopes: uniqueItems(z.array(apiKeyScope).min(1), 'must not list a scope twice'),
    expiresInDays: z
      .number()
      .int()
      .min(1)
      .max(API_KEY_MAX_LIFETIME_DAYS)
      .optional()
      .meta({ description: 'Lifetime in days; without it the key lives until revoked' }),
  })
  .meta({
    example: { name: 'Nightly stock sync', scopes: ['catalog:write'], expiresInDays: 90 },
  });

export type ApiKeyCreation = z.infer<typeof apiKeyCreation>;

const EXAMPLE_KEY = {
  id: '3',
  name: 'Nightly stock sync',
  prefix: 'k7m2q9x4b1z8',
  scopes: ['catalog:write'],
  createdAt: '2026-11-30T08:00:00.000Z',
  expiresAt: '2027-02-28T08:00:00.000Z',
  lastUsedAt: null,
  revokedAt: null,
};

export const apiKey = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    prefix: z.string().meta({ description: 'Public part of the key, for telling keys apart' }),
    scopes: z.array(z.string()),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso.datetime().nullable().meta({ description: 'Updated at most once a minute' }),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ApiKey', example: EXAMPLE_KEY });

export type ApiKey = z.infer<typeof apiKey>;

export const createdApiKey = apiKey
  .extend({
    key: z
      .string()
      .meta({ description: 'The full key. Shown only in this response: store it now' }),
  })
  .meta({
    id: 'CreatedApiKey',
    example: { ...EXAMPLE_KEY, key: 'tl_k7m2q9x4b1z8_q8Jr2VbX0mT9cLw4ZkP1sYdHf6NeA3uG7oRiEtBnQ5M' },
  });

export type CreatedApiKey = z.infer<typeof createdApiKey>;

export const apiKeyList = z.strictObject({ data: z.array(apiKey) }).meta({
  example: {
    data: [
      EXAMPLE_KEY,
      {
        id: '2',
        name: 'Price import',
        prefix: 'p3v8n6c2w5t0',
        scopes: ['catalog:write'],
        createdAt: '2026-09-01T12:00:00.000Z',
        expiresAt: null,
        lastUsedAt: '2026-11-29T23:58:00.000Z',
        revokedAt: '2026-11-30T08:01:00.000Z',
      },
    ],
  },
});
