// The catalog's wire shapes. 64-bit ids travel as strings, money as integer
// minor units with its currency, timestamps as ISO-8601 UTC.

import { z } from 'zod';

export const idParam = z
  .string()
  .regex(/^[1-9]\d{0,18}$/, { error: 'must be a positive integer id' })
  .meta({ description: '64-bit id, as a string', example: '42' });

export const money = z
  .strictObject({
    amount: z.number().int().min(0).meta({ description: 'Integer minor units (cents)' }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .meta({ description: 'ISO 4217 code', example: 'EUR' }),
  })
  .meta({ id: 'Money' });

const reference = z.strictObject({ id: z.string(), slug: z.string(), name: z.string() });

export const product = z
  .strictObject({
    id: z.string(),
    sku: z.string(),
    title: z.string(),
    description: z.string(),
    brand: reference,
    category: reference,
    tags: z.array(z.string()),
    price: money,
    stock: z.number().int().min(0),
    version: z.number().int().min(1),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Product' });

export type Product = z.infer<typeof product>;
