// The benchmark routes in Fastify's terms, shared by both Fastify
// contenders: the GET routes (the two hello routes and the generated table)
// and the validated POST, whose body Fastify checks with its own JSON-schema
// validation (Ajv, compiled at start-up). No response schemas, so replies go
// through JSON.stringify like the other contenders'.

import type { FastifyInstance } from 'fastify';
import { GENERATED_ROUTES, fastifyPattern } from '../lib/route-table.ts';

const HELLO = 'Hello, World!';

export function registerGetRoutes(app: FastifyInstance): void {
  app.get('/plaintext', (_request, reply) => {
    void reply.type('text/plain; charset=utf-8').send(HELLO);
  });
  app.get('/json', (_request, reply) => {
    void reply.send({ message: HELLO });
  });
  for (const pattern of GENERATED_ROUTES) {
    app.get(fastifyPattern(pattern), (request, reply) => {
      void reply.send(request.params);
    });
  }
}

/** The JSON-schema twin of the Zod schema in throughline.ts. */
const userSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'name', 'age', 'newsletter', 'tags', 'address'],
  properties: {
    email: { type: 'string', format: 'email' },
    name: { type: 'string', minLength: 1, maxLength: 100 },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    newsletter: { type: 'boolean' },
    tags: { type: 'array', maxItems: 10, items: { type: 'string', minLength: 1, maxLength: 32 } },
    address: {
      type: 'object',
      additionalProperties: false,
      required: ['street', 'city', 'zip', 'country'],
      properties: {
        street: { type: 'string', minLength: 1, maxLength: 200 },
        city: { type: 'string', minLength: 1, maxLength: 100 },
        zip: { type: 'string', pattern: '^[0-9A-Za-z -]{3,10}$' },
        country: { type: 'string', minLength: 2, maxLength: 2 },
      },
    },
  },
} as const;

export function registerPostRoute(app: FastifyInstance): void {
  app.post('/users', { schema: { body: userSchema } }, (request, reply) => {
    void reply.code(201).send(request.body);
  });
}

/** Listens on an ephemeral loopback port and announces it like the other servers. */
export async function listenAndAnnounceFastify(app: FastifyInstance): Promise<void> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  process.stdout.write(`${JSON.stringify({ port: address.port, pid: process.pid })}\n`);
}
