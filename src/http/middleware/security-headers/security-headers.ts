// Hardening headers on every response (seed modules 02 and 05), set before
// the handler runs so error responses carry them too. HSTS only over TLS: on
// plain HTTP the header is ignored by browsers and would only mislead (RFC 6797
// §7.2). HTML pages replace the API CSP with a nonce-based one (see docs-page.ts).

import type { SecurityHeaders } from './policy.ts';
import { middleware, type Middleware } from '../../pipeline/pipeline.ts';

export function securityHeaders(policy: SecurityHeaders): Middleware {
  const plain = policy.base(false);
  const secure = policy.base(true);
  return middleware('security-headers', 'securityHeaders', (c, next) => {
    const headers = c.responseHeaders;
    for (const [name, value] of c.secure ? secure : plain) headers.push(name, value);
    return next();
  });
}
