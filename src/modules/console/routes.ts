// The console's routes: the page at /console, its files, and the two
// figures the JSON API does not already give a browser (what the signed-in
// caller may do, and the traffic per route). All are kept out of the OpenAPI
// document (`hidden`), like /docs: they serve this page, not API clients.
//
// The page and its files are public (they hold no data); everything the page
// shows comes from API routes that check the session and its permissions.
// The page's CSP allows scripts, styles and requests from our origin only
// (plus the object store's origin for product images, when that is S3), with
// nothing inline (`filesOnly`), in place of the API's `default-src 'none'`.

import type { App } from '../../http/app.ts';
import { httpError } from '../../http/errors.ts';
import type { SecurityHeaders } from '../../http/middleware/security-headers/policy.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import type { ServiceMetrics } from '../../platform/metrics/metrics.ts';
import type { ConsoleAssets } from './assets.ts';
import { consoleShell } from './shell.ts';
import { routeTraffic } from './traffic.ts';

export const CONSOLE_PATH = '/console';

const IMMUTABLE = cacheControl({ visibility: 'public', maxAge: 31_536_000, immutable: true });
// The page names the current files' version: revalidated on every load (a 304 mostly).
const REVALIDATE = cacheControl({ noCache: true });

export interface ConsoleRouteDeps {
  readonly assets: ConsoleAssets;
  readonly security: SecurityHeaders;
  /** Undefined when METRICS_ENABLED=false: the traffic view then says so. */
  readonly metrics: ServiceMetrics | undefined;
}

export function registerConsoleRoutes(app: App, deps: ConsoleRouteDeps): void {
  const { assets, security, metrics } = deps;
  const shell = consoleShell(`${CONSOLE_PATH}/assets/${assets.version}`);
  const csp = security.filesOnly();

  app.get(
    CONSOLE_PATH,
    (c) => {
      c.html(shell);
      c.set('content-security-policy', csp);
      c.set('cache-control', REVALIDATE);
    },
    { auth: 'public', hidden: true, etag: true, produces: ['text/html'] },
  );

  app.get(
    `${CONSOLE_PATH}/assets/:version/:file`,
    (c) => {
      const asset = c.params.version === assets.version ? assets.get(c.params.file!) : undefined;
      if (asset === undefined) throw httpError('HTTP_NOT_FOUND');
      c.body = asset.body;
      c.set('content-type', asset.contentType);
      c.set('cache-control', IMMUTABLE);
    },
    { auth: 'public', rateLimit: false, hidden: true, etag: true, produces: ['*/*'] },
  );

  app.get(
    `${CONSOLE_PATH}/api/permissions`,
    (c) => {
      c.set('cache-control', cacheControl.noStore);
      c.json({ permissions: [...(c.identity?.permissions ?? [])].sort() });
    },
    { hidden: true, produces: ['application/json'] },
  );

  app.get(
    `${CONSOLE_PATH}/api/traffic`,
    async (c) => {
      c.set('cache-control', cacheControl.noStore);
      if (metrics === undefined) {
        c.json({ enabled: false, routes: [] });
        return;
      }
      const scrape = await metrics.render(false);
      c.json({ enabled: true, routes: routeTraffic(scrape.body) });
    },
    { hidden: true, permissions: ['ops:read'], produces: ['application/json'] },
  );
}
