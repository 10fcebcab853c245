// `/openapi.json` and the API reference at `/docs`. The reference UI is served
// from the swagger-ui-dist package on our own origin (no CDN: works offline,
// nothing third-party runs on the page), and the page's one inline script
// runs under a per-response CSP nonce.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cacheControl } from '../response/cache-control.ts';
import type { App } from '../app.ts';
import { httpError } from '../errors.ts';
import { buildOpenApi, type OpenApiOptions } from './openapi.ts';
import { createNonce, type SecurityHeaders } from '../middleware/security-headers/policy.ts';

const assetsDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/**
 * Registers `/openapi.json` and the reference page. Returns what builds the
 * document (once, on first use: by then every route is registered).
 */
export function registerApiDocs(
  app: App,
  openapi: OpenApiOptions,
  security: SecurityHeaders,
): () => Record<string, unknown> {
  let built: Record<string, unknown> | undefined;
  const document = () => (built ??= buildOpenApi(app.routes(), openapi));
  let text: string | undefined;
  app.get(
    '/openapi.json',
    (c) => {
      text ??= JSON.stringify(document());
      c.body = text;
      c.set('content-type', 'application/json; charset=utf-8');
      c.set('cache-control', cacheControl({ visibility: 'public', maxAge: 60 }));
    },
    { auth: 'public', rateLimit: false, hidden: true, produces: ['application/json'] },
  );

  app.get(
    '/docs',
    (c) => {
      const nonce = createNonce();
      c.html(page(nonce, openapi.title));
      c.set('content-security-policy', security.html(nonce));
      c.set('cache-control', cacheControl.noStore);
    },
    { auth: 'public', rateLimit: false, hidden: true, etag: false, produces: ['text/html'] },
  );

  app.get(
    '/docs/assets/:file',
    async (c) => {
      const file = c.params.file!;
      const type = ASSETS[file];
      if (type === undefined) throw httpError('HTTP_NOT_FOUND');
      const path = join(assetsDir, file);
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- file is one of the ASSETS names, checked above, joined to the package folder
      const info = await stat(path);
      c.set('content-length', String(info.size));
      c.set('cache-control', cacheControl({ visibility: 'public', maxAge: 86_400 }));
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- file is one of the ASSETS names, checked above, joined to the package folder
      c.stream(createReadStream(path), type);
    },
    { auth: 'public', rateLimit: false, hidden: true, produces: ['*/*'] },
  );
  return document;
}

function page(nonce: string, title: string): string {
  const safeTitle = title.replace(/[<>&"]/g, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${safeTitle} — API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="docs"></div>
<script src="/docs/assets/swagger-ui-bundle.js" nonce="${nonce}"></script>
<script nonce="${nonce}">
window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs', deepLinking: true });
</script>
</body>
</html>
`;
}
