import { defineErrors, errorFactory } from '../../errors/index.ts';

export const metricsErrors = defineErrors({
  // The scrape token is missing or wrong: the figures say how busy and how failing the service is.
  METRICS_UNAUTHORIZED: { status: 401, title: 'Metrics token required', level: 'info' },
});

export const metricsError = errorFactory(metricsErrors);
