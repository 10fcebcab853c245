// Live traffic: per route, the request rate and error rate over the last
// few seconds and the latency so far, from the service's own metrics. The
// server hands running totals; two readings make a rate, so the first
// drawing shows totals and rates appear from the second reading on.

import { request } from './api.ts';
import { dataTable, h, replace } from './dom.ts';
import { every, type Page } from './page.ts';

interface RouteTraffic {
  readonly method: string;
  readonly route: string;
  readonly requests: number;
  readonly serverErrors: number;
  readonly clientErrors: number;
  readonly totalSeconds: number;
  readonly p50Seconds: number | null;
  readonly p95Seconds: number | null;
}

interface Traffic {
  readonly enabled: boolean;
  readonly routes: readonly RouteTraffic[];
}

interface Reading {
  readonly at: number;
  readonly byRoute: ReadonlyMap<string, RouteTraffic>;
}

const POLL_MS = 5_000;

const key = (route: RouteTraffic) => `${route.method} ${route.route}`;
const ms = (seconds: number | null) => (seconds === null ? '—' : `≤ ${seconds * 1000} ms`);
const percent = (part: number, whole: number) =>
  whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)} %`;

function draw(view: HTMLElement, traffic: Traffic, previous: Reading | undefined, now: number) {
  if (!traffic.enabled) {
    replace(view, h('p', {}, 'Metrics are switched off (METRICS_ENABLED=false).'));
    return;
  }
  const seconds = previous === undefined ? 0 : (now - previous.at) / 1000;
  const delta = (route: RouteTraffic) => {
    const before = previous?.byRoute.get(key(route));
    return {
      requests: route.requests - (before?.requests ?? 0),
      serverErrors: route.serverErrors - (before?.serverErrors ?? 0),
    };
  };
  const rate = (route: RouteTraffic) =>
    seconds === 0 ? '—' : `${(delta(route).requests / seconds).toFixed(2)}/s`;
  const errors = (route: RouteTraffic) => {
    const recent = delta(route);
    return seconds === 0
      ? percent(route.serverErrors, route.requests)
      : percent(recent.serverErrors, recent.requests);
  };
  const total = traffic.routes.reduce((sum, route) => sum + route.requests, 0);
  const failed = traffic.routes.reduce((sum, route) => sum + route.serverErrors, 0);
  replace(
    view,
    h(
      'p',
      {},
      `${total} requests since start, ${percent(failed, total)} answered with a server error. `,
      `Rates cover the last ${POLL_MS / 1000} seconds and refresh on their own.`,
    ),
    dataTable(
      'Traffic per route',
      [
        { header: 'Route', cell: (route) => h('code', {}, key(route)) },
        { header: 'Rate', cell: rate, numeric: true },
        { header: 'Server errors', cell: errors, numeric: true },
        { header: 'Client errors (all)', cell: (route) => route.clientErrors, numeric: true },
        { header: 'Median', cell: (route) => ms(route.p50Seconds), numeric: true },
        { header: '95th percentile', cell: (route) => ms(route.p95Seconds), numeric: true },
        {
          header: 'Mean',
          cell: (route) =>
            route.requests === 0
              ? '—'
              : `${((1000 * route.totalSeconds) / route.requests).toFixed(1)} ms`,
          numeric: true,
        },
        { header: 'Requests', cell: (route) => route.requests, numeric: true },
      ],
      traffic.routes,
    ),
  );
}

export const trafficPage: Page = {
  path: 'traffic',
  title: 'Live traffic',
  permission: 'ops:read',
  async render(view, { signal }) {
    let previous: Reading | undefined;
    const read = async () => {
      const traffic = await request<Traffic>('/console/api/traffic', { signal });
      const now = performance.now();
      draw(view, traffic, previous, now);
      previous = { at: now, byRoute: new Map(traffic.routes.map((route) => [key(route), route])) };
    };
    await read();
    every(POLL_MS, signal, read);
  },
};
