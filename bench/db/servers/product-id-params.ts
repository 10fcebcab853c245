// The product read's path parameter as the Fastify contenders validate it,
// with Fastify's own JSON-schema validation: the id pattern of the service.

export const PRODUCT_ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,18}$' } },
} as const;
