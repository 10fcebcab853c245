// CORS as a pipeline stage: preflights are answered here and never reach
// routing's handlers; actual requests get their headers before the handler
// runs, so they are present on error responses too (a browser must be able to
// read a 4xx, or the page only sees an opaque network error).

import { createCors, type CorsOptions } from './policy.ts';
import { httpError } from '../../errors.ts';
import { middleware, type Middleware } from '../../pipeline/pipeline.ts';

export function cors(options: CorsOptions): Middleware {
  const policy = createCors(options);
  return middleware('cors', 'cors', (c, next) => {
    const headers = c.headers;
    const decision = policy.evaluate(c.method, {
      origin: headers.origin,
      'access-control-request-method': headers['access-control-request-method'],
      'access-control-request-headers': headers['access-control-request-headers'],
    });
    for (const [name, value] of decision.headers) {
      if (name === 'vary') c.vary(value);
      else c.set(name, value);
    }
    switch (decision.kind) {
      case 'preflight':
        c.noContent();
        return;
      case 'preflight-rejected':
        throw httpError('HTTP_FORBIDDEN', { detail: 'CORS preflight rejected' });
      default:
        return next();
    }
  });
}
