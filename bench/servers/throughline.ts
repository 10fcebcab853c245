// Throughline in two variants, chosen by the first argument:
//   bare     createApp with no global middleware
//   default  the production pipeline minus the access log: security headers
//            + compression (the bodies here are below the compression
//            threshold, and the load generator sends no Accept-Encoding, so
//            compression only costs its checks)
// Logging is at `warn`, to stderr: no per-request access log, like the others.

// First: the schemas built by everything below are compiled (see the file).
import '../../src/platform/compiled-validation.ts';
import http from 'node:http';
import { pino } from 'pino';
import { z } from 'zod';
import { createApp } from '../../src/http/app.ts';
import { compression } from '../../src/http/middleware/compression/compression.ts';
import { securityHeaders } from '../../src/http/middleware/security-headers/security-headers.ts';
import { createSecurityHeaders } from '../../src/http/middleware/security-headers/policy.ts';
import { GENERATED_ROUTES } from '../lib/route-table.ts';
import { listenAndAnnounce } from './listen.ts';

const variant = process.argv[2] ?? 'bare';
if (variant !== 'bare' && variant !== 'default') {
  throw new Error(`unknown variant "${variant}" (expected bare or default)`);
}

const app = createApp({ logger: pino({ level: 'warn' }, pino.destination(2)) });
if (variant === 'default') app.use(securityHeaders(createSecurityHeaders()), compression());

const HELLO = 'Hello, World!';
const plain = { auth: 'public', etag: false } as const;

app.get('/plaintext', (c) => c.text(HELLO), plain);
app.get('/json', (c) => c.json({ message: HELLO }), plain);
for (const pattern of GENERATED_ROUTES) {
  app.get(pattern, (c) => c.json(c.params), plain);
}

app.route({
  method: 'POST',
  path: '/users',
  auth: 'public',
  schema: {
    body: z.strictObject({
      email: z.email(),
      name: z.string().min(1).max(100),
      age: z.number().int().min(0).max(150),
      newsletter: z.boolean(),
      tags: z.array(z.string().min(1).max(32)).max(10),
      address: z.strictObject({
        street: z.string().min(1).max(200),
        city: z.string().min(1).max(100),
        zip: z.string().regex(/^[0-9A-Za-z -]{3,10}$/),
        country: z.string().length(2),
      }),
    }),
  },
  handler: (c) => c.json(c.input.body, 201),
});

app.build();
listenAndAnnounce(http.createServer(app.handler), () => {
  app.close();
});
