// Feature flags on the wire (the admin API). A definition is what the
// service evaluates (evaluate.ts); consistency across its parts — every
// variant named exists, slices within 100 % — is checked by the service
// (consistency.ts), which answers 422 FLAGS_INVALID_DEFINITION listing all.

import { z } from 'zod';
import { atLeastOneMember } from '../../http/request/input-rules.ts';
import { pgText } from '../../platform/sql/pg-values.ts';

export const FLAG_KEY = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const VARIANT_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

const flagKey = z.string().regex(FLAG_KEY, { error: 'expected lower-case letters, digits, . _ -' });
const variantName = z.string().regex(VARIANT_NAME, { error: 'expected a variant name' });

export const flagParams = z.strictObject({ key: flagKey });

const variantValue = z
  .union([
    z.boolean(),
    z.number(),
    pgText().max(1000),
    z.record(z.string(), z.unknown()).meta({ description: 'A JSON object' }),
  ])
  .meta({ description: 'The value the variant serves' });

const variants = z
  .record(variantName, variantValue)
  .refine((record) => Object.keys(record).length <= 20, { error: 'at most 20 variants' })
  .meta({
    description: 'Each variant by name; a boolean flag has boolean values (often on/off)',
    example: { on: true, off: false },
  });

const rule = z
  .strictObject({
    variant: variantName,
    roles: z
      .array(z.enum(['admin', 'editor', 'customer']))
      .max(3)
      .optional(),
    cohort: z
      .array(z.string().regex(/^\d{1,19}$/, { error: 'expected a user id' }))
      .max(1000)
      .optional()
      .meta({ description: 'User ids (staff, beta testers)' }),
  })
  .meta({ id: 'FeatureFlagRule', description: 'Matches a caller by role or by user id' });

const slice = z
  .strictObject({
    variant: variantName,
    percent: z
      .number()
      .min(0)
      .max(100)
      // Buckets are 0.01 % wide (bucket.ts). As `multipleOf`, the rule is in
      // the document too, where clients and the reference can see it.
      .multipleOf(0.01, { error: 'at most two decimals' }),
  })
  .meta({
    id: 'FeatureFlagRolloutSlice',
    description: 'This share of users (by a stable hash of flag key and user id) gets the variant',
  });

const description = pgText().trim().max(500);
const kind = z.enum(['boolean', 'multivariate']);

export const flagCreation = z
  .strictObject({
    key: flagKey,
    description: description.default(''),
    kind,
    variants,
    defaultVariant: variantName,
    offVariant: variantName,
    rules: z.array(rule).max(50).default([]),
    rollout: z.array(slice).max(20).default([]),
    killed: z.boolean().default(false),
  })
  .meta({
    id: 'FeatureFlagCreation',
    example: {
      key: 'checkout.new-flow',
      kind: 'boolean',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      offVariant: 'off',
      rules: [{ variant: 'on', roles: ['admin'] }],
      rollout: [{ variant: 'on', percent: 10 }],
    },
  });

export type FlagCreation = z.infer<typeof flagCreation>;

export const flagChange = atLeastOneMember(
  z.strictObject({
    version: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'When sent, the change applies only to this version (else 409)' }),
    description: description.optional(),
    variants: variants.optional(),
    defaultVariant: variantName.optional(),
    offVariant: variantName.optional(),
    rules: z.array(rule).max(50).optional(),
    rollout: z.array(slice).max(20).optional(),
    killed: z
      .boolean()
      .optional()
      .meta({ description: 'The kill switch: true serves offVariant to everyone' }),
  }),
).meta({
  id: 'FeatureFlagChange',
  description: 'Members left out stay as they are; at least one must be sent',
  example: { version: 3, rollout: [{ variant: 'on', percent: 25 }] },
});

export type FlagChange = z.infer<typeof flagChange>;

/** For the document's examples: the flag the FeatureFlagCreation example makes, a few changes later. */
export const EXAMPLE_FLAG = {
  key: 'checkout.new-flow',
  description: 'The one-page checkout',
  kind: 'boolean',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  offVariant: 'off',
  rules: [{ variant: 'on', roles: ['admin'] }],
  rollout: [{ variant: 'on', percent: 10 }],
  killed: false,
  version: 3,
  createdAt: '2026-11-20T09:00:00.000Z',
  updatedAt: '2026-11-27T15:30:00.000Z',
};

export const flag = z
  .strictObject({
    key: z.string(),
    description: z.string(),
    kind,
    variants: z.record(z.string(), z.unknown()),
    defaultVariant: z.string(),
    offVariant: z.string(),
    rules: z.array(rule),
    rollout: z.array(slice),
    killed: z.boolean(),
    version: z.number().int(),
    createdAt: z.string().meta({ format: 'date-time' }),
    updatedAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'FeatureFlag', example: EXAMPLE_FLAG });

export const flagList = z.strictObject({ data: z.array(flag) }).meta({
  id: 'FeatureFlagList',
  example: {
    data: [
      EXAMPLE_FLAG,
      {
        key: 'checkout.orders',
        description: 'Kill switch for placing orders',
        kind: 'boolean',
        variants: { on: true, off: false },
        defaultVariant: 'on',
        offVariant: 'off',
        rules: [],
        rollout: [],
        killed: false,
        version: 2,
        createdAt: '2026-10-01T08:00:00.000Z',
        updatedAt: '2026-11-14T22:05:00.000Z',
      },
    ],
  },
});
