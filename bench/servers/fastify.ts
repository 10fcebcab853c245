// Fastify as people run it without plugins: `fastify({ logger: false })`,
// the same routes (fastify-routes.ts), the POST body checked by Fastify's own
// JSON-schema validation.

import { fastify } from 'fastify';
import {
  listenAndAnnounceFastify,
  registerGetRoutes,
  registerPostRoute,
} from './fastify-routes.ts';
import { exitOnSignal } from './listen.ts';

const app = fastify({ logger: false });
registerGetRoutes(app);
registerPostRoute(app);

exitOnSignal(() => {
  void app.close();
});

await listenAndAnnounceFastify(app);
