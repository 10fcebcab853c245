// Metrics: GET /metrics for Prometheus (routes.ts). The registry itself is
// built by the composition root, which alone knows the parts that report to it.

import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ServiceMetrics } from '../../platform/metrics/metrics.ts';
import { defineModule } from '../contract.ts';
import { metricsErrors } from './errors.ts';
import { registerMetricsRoute } from './routes.ts';

export interface MetricsContext {
  /** Undefined when METRICS_ENABLED=false: no route. */
  readonly metrics: ServiceMetrics | undefined;
  readonly config: Config;
  readonly logger: Logger;
}

export const metricsModule = defineModule({
  name: 'metrics',
  errors: metricsErrors,
  routes(app, context: MetricsContext) {
    if (context.metrics === undefined) return;
    const { token } = context.config.metrics;
    if (context.config.nodeEnv === 'production' && token === undefined) {
      context.logger.warn(
        'GET /metrics is not served: production needs METRICS_TOKEN for it (or METRICS_ENABLED=false to silence this)',
      );
      return;
    }
    registerMetricsRoute(app, context.metrics, token);
  },
});
