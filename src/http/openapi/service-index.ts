// `GET /`: where to go from the service's root. An API client (JSON, or no
// preference) gets the links as JSON; a browser gets a small HTML page with
// the same links. Both carry them in a `Link` header too, with the RFC 8631
// relations (`service-desc` the OpenAPI document, `service-doc` the
// reference page, `status` the readiness probe).
//
// The page has no script and no style, so the API's `default-src 'none'` CSP
// (set on every response by the security-headers middleware) holds for it
// unchanged. The route is public and kept out of the OpenAPI document, like
// `/docs` and `/openapi.json`: it is a signpost, not part of the API.

import type { App } from '../app.ts';
import { cacheControl } from '../response/cache-control.ts';
import { negotiate } from '../response/produces.ts';

export interface ServiceIndexOptions {
  readonly name: string;
  readonly version: string;
  /**
   * Sign-in accounts the page lists under the console link, so that someone
   * trying the service out can open it. The composition root passes the demo
   * accounts outside production and nothing in production.
   */
  readonly signInAccounts?: readonly SignInAccount[];
}

export interface SignInAccount {
  readonly role: string;
  readonly email: string;
  readonly password: string;
}

export interface ServiceIndex {
  readonly name: string;
  readonly version: string;
  readonly links: {
    readonly console: string;
    readonly docs: string;
    readonly openapi: string;
    readonly livez: string;
    readonly readyz: string;
  };
  /** Each API version's base path; every operation is under one of them. */
  readonly apis: readonly { readonly version: string; readonly basePath: string }[];
}

const LINKS = {
  console: '/console',
  docs: '/docs',
  openapi: '/openapi.json',
  livez: '/livez',
  readyz: '/readyz',
} as const;

const LINK_HEADER = [
  `<${LINKS.openapi}>; rel="service-desc"; type="application/openapi+json"`,
  `<${LINKS.docs}>; rel="service-doc"; type="text/html"`,
  `<${LINKS.readyz}>; rel="status"`,
].join(', ');

const API_ROOT = /^\/api\/(v\d+)(?:\/|$)/;

const REPRESENTATIONS = ['application/json', 'text/html'] as const;

export function registerServiceIndex(app: App, options: ServiceIndexOptions): void {
  // Built on first use, when every route is registered; the routes are sealed by then.
  let index: { json: ServiceIndex; html: string } | undefined;
  app.get(
    '/',
    (c) => {
      index ??= build(app, options);
      c.set('link', LINK_HEADER);
      c.set('cache-control', cacheControl({ visibility: 'public', maxAge: 60 }));
      if (negotiate(c, REPRESENTATIONS) === 'text/html') c.html(index.html);
      else c.json(index.json);
    },
    { auth: 'public', hidden: true, produces: REPRESENTATIONS },
  );
}

function build(app: App, options: ServiceIndexOptions): { json: ServiceIndex; html: string } {
  const versions = new Set<string>();
  for (const record of app.routes()) {
    const version = API_ROOT.exec(record.pattern)?.[1];
    if (version !== undefined) versions.add(version);
  }
  const apis = [...versions]
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    .map((version) => ({ version, basePath: `/api/${version}` }));
  const json: ServiceIndex = { name: options.name, version: options.version, links: LINKS, apis };
  return { json, html: page(json, options.signInAccounts ?? []) };
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

function accountTable(accounts: readonly SignInAccount[]): string {
  if (accounts.length === 0) return '';
  const rows = accounts.map(
    (account) =>
      `<tr><td>${escape(account.role)}</td><td><code>${escape(account.email)}</code></td><td><code>${escape(account.password)}</code></td></tr>`,
  );
  return `<table>
<caption>Demo accounts (this is not a production instance)</caption>
<thead><tr><th scope="col">Role</th><th scope="col">E-mail</th><th scope="col">Password</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
`;
}

function page(index: ServiceIndex, accounts: readonly SignInAccount[]): string {
  const title = `${escape(index.name)} ${escape(index.version)}`;
  const link = (href: string, label: string) =>
    `<li><a href="${escape(href)}">${escape(label)}</a></li>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
</head>
<body>
<h1>${title}</h1>
<h2>Console</h2>
<ul>
${link(index.links.console, 'Console: traffic, jobs, orders, catalog and more (sign in)')}
</ul>
${accountTable(accounts)}<h2>Reference</h2>
<ul>
${link(index.links.docs, 'API reference')}
${link(index.links.openapi, 'OpenAPI document')}
</ul>
<h2>Health</h2>
<ul>
${link(index.links.livez, 'Liveness')}
${link(index.links.readyz, 'Readiness')}
</ul>
<h2>APIs</h2>
<ul>
${index.apis.map((api) => `<li><code>${escape(api.basePath)}</code> (${escape(api.version)})</li>`).join('\n')}
</ul>
</body>
</html>
`;
}
