// The console's one HTML page. It holds no data and no inline code: the
// script and the style sheet are files from our origin (so the page's CSP
// allows nothing inline), and the script draws every view into <main> from
// the API, choosing the view from the URL's fragment (#/jobs). The empty icon
// keeps browsers from asking for a /favicon.ico the service does not have.

export function consoleShell(assetBase: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Throughline console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetBase}/console.css">
<script type="module" src="${assetBase}/main.ts"></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="top">
<p class="brand"><a href="/">Throughline</a> console</p>
<nav id="nav" aria-label="Console sections"></nav>
<div id="account" class="account"></div>
</header>
<main id="main" tabindex="-1"><p>Loading…</p></main>
<div id="status" class="status" role="status" aria-live="polite"></div>
<noscript><p>The console needs JavaScript. The API itself is described at <a href="/docs">/docs</a>.</p></noscript>
</body>
</html>
`;
}
