// Health: the liveness and readiness probes (what a load balancer and an
// orchestrator ask before sending traffic or restarting the process).

import { defineModule } from '../contract.ts';
import type { ReadinessChecks } from './readiness.ts';
import { registerHealthRoutes } from './routes.ts';

export const healthModule = defineModule({
  name: 'health',
  routes(app, context: { readonly readiness: ReadinessChecks }) {
    registerHealthRoutes(app, context.readiness);
  },
});
