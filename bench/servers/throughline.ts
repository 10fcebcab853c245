// Throughline in two variants, chosen by the first argument:
//   bare     createApp with no global middleware, ETags off, logging at
//            `warn` to stderr (no access log)
//   default  the production pipeline as the service installs it
//            (throughline-pipeline.ts): request metrics, access log at info
//            to a file, security headers, compression, authentication, CORS,
//            rate limits, and the GET routes' automatic ETags
//   default-no-metrics  the same without the request metrics
//   default-tracing-0, -10, -100  the default pipeline with tracing on,
//            sampling no request, 10 % or every request (throughline-pipeline.ts)
// The bodies here are below the compression threshold and the load generator
// sends no Accept-Encoding, so compression only costs its checks.

// First: the schemas built by everything below are compiled (see the file).
import '../../src/platform/compiled-validation.ts';
import http from 'node:http';
import { pino } from 'pino';
import { z } from 'zod';
import { createApp, type App } from '../../src/http/app.ts';
import { GENERATED_ROUTES } from '../lib/route-table.ts';
import { listenAndAnnounce } from './listen.ts';
import { productionApp } from './throughline-pipeline.ts';

const VARIANTS = [
  'bare',
  'default',
  'default-no-metrics',
  'default-tracing-0',
  'default-tracing-10',
  'default-tracing-100',
] as const;
const TRACING_RATIO: Readonly<Record<string, number>> = {
  'default-tracing-0': 0,
  'default-tracing-10': 0.1,
  'default-tracing-100': 1,
};
const variant = process.argv[2] ?? 'bare';
if (!(VARIANTS as readonly string[]).includes(variant)) {
  throw new Error(`unknown variant "${variant}" (expected ${VARIANTS.join(', ')})`);
}

let app: App;
let close: () => void;
if (variant !== 'bare') {
  ({ app, close } = await productionApp({
    metrics: variant !== 'default-no-metrics',
    tracingRatio: TRACING_RATIO[variant],
  }));
} else {
  app = createApp({ logger: pino({ level: 'warn' }, pino.destination(2)) });
  close = () => {
    app.close();
  };
}

const HELLO = 'Hello, World!';
// Routes are public: no credentials are sent. The bare variant hashes no
// bodies, like raw node:http and bare Fastify; the default one keeps the
// automatic ETag every GET route has unless it opts out.
const get =
  variant === 'bare' ? ({ auth: 'public', etag: false } as const) : { auth: 'public' as const };

app.get('/plaintext', (c) => c.text(HELLO), get);
app.get('/json', (c) => c.json({ message: HELLO }), get);
for (const pattern of GENERATED_ROUTES) {
  app.get(pattern, (c) => c.json(c.params), get);
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
listenAndAnnounce(http.createServer(app.handler), close);
