// Whether GET /metrics is served: in production only with a scrape token,
// and never when metrics are switched off. (What it serves: test/metrics/.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApp } from '../../http/app.ts';
import { loadConfig } from '../../platform/config.ts';
import { ServiceMetrics } from '../../platform/metrics/metrics.ts';
import { captureLogger } from '../../../test/support/start.ts';
import { metricsModule } from './module.ts';

const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SIGNING_KEYS: '[]',
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
};

function served(env: Record<string, string>, metrics: ServiceMetrics | undefined) {
  const { logger, records } = captureLogger();
  const app = createApp({ logger });
  metricsModule.routes?.(app, { metrics, config: loadConfig({ argv: [], env }), logger });
  const routes = app.routes().map((route) => `${route.method} ${route.pattern}`);
  app.close();
  return { routes, warnings: records.filter((r) => r.level === 'warn').map((r) => r.msg) };
}

test('production serves /metrics only with a token, and says why when it does not', () => {
  const metrics = new ServiceMetrics({ processMetrics: false });
  const without = served(PRODUCTION, metrics);
  assert.deepEqual(without.routes, []);
  assert.match(without.warnings.join('\n'), /METRICS_TOKEN/);
  const withToken = served({ ...PRODUCTION, METRICS_TOKEN: 'a-scrape-token-of-length' }, metrics);
  assert.deepEqual(withToken.routes, ['GET /metrics']);
  assert.deepEqual(withToken.warnings, []);
});

test('development serves it without a token; switched off, nowhere', () => {
  const metrics = new ServiceMetrics({ processMetrics: false });
  assert.deepEqual(served({ NODE_ENV: 'development' }, metrics).routes, ['GET /metrics']);
  assert.deepEqual(served({ NODE_ENV: 'development' }, undefined).routes, []);
});
