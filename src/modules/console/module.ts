// Console: the operators' and shoppers' web page at /console, served by the
// service itself. It reads and acts through the JSON API with the browser
// session (cookie + CSRF header); the module adds only the page, its files
// and two small views the API has no route for (routes.ts).

import type { SecurityHeaders } from '../../http/middleware/security-headers/policy.ts';
import type { ServiceMetrics } from '../../platform/metrics/metrics.ts';
import { defineModule } from '../contract.ts';
import { loadConsoleAssets } from './assets.ts';
import { registerConsoleRoutes } from './routes.ts';

export const consoleModule = defineModule({
  name: 'console',
  routes(
    app,
    context: { readonly security: SecurityHeaders; readonly metrics: ServiceMetrics | undefined },
  ) {
    registerConsoleRoutes(app, {
      assets: loadConsoleAssets(),
      security: context.security,
      metrics: context.metrics,
    });
  },
});
