// Hardening headers on every response (transport and browser hardening), set before
// the handler runs so error responses carry them too. HSTS only over TLS: on
// plain HTTP the header is ignored by browsers and would only mislead (RFC 6797
// §7.2). HTML pages replace the API CSP with a nonce-based one (see docs-page.ts).

import type { SecurityHeaders } from './policy.ts';
import { middleware, type Middleware } from '../../pipeline/pipeline.ts';

export function securityHeaders(policy: SecurityHeaders): Middleware {
  // Flattened once: per request, a plain indexed copy into the header list.
  const plain = policy.base(false).flat();
  const secure = policy.base(true).flat();
  return middleware('security-headers', 'securityHeaders', (c, next) => {
    const headers = c.responseHeaders;
    const block = c.secure ? secure : plain;
    for (let i = 0; i < block.length; i++) headers.push(block[i]!);
    return next();
  });
}
