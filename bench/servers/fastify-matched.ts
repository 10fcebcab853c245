// The HTTP benchmark's feature-matched Fastify: the official plugins that
// give it the behaviour of Throughline's production pipeline
// (fastify-plugins.ts), then the benchmark routes, with ETags on the GET
// routes only, as ours.

import etag from '@fastify/etag';
import { createMatchedFastify } from './fastify-plugins.ts';
import {
  listenAndAnnounceFastify,
  registerGetRoutes,
  registerPostRoute,
} from './fastify-routes.ts';
import { exitOnSignal } from './listen.ts';

const { app, log } = await createMatchedFastify('fastify');

// ETags on the GET routes only: the plugin's hook applies to the context it
// is registered in, and Throughline hashes GET responses only.
await app.register(async (gets) => {
  await gets.register(etag);
  registerGetRoutes(gets);
});
registerPostRoute(app);

exitOnSignal(() => {
  void app.close();
  log.remove();
});

await listenAndAnnounceFastify(app);
