// The middleware the core derives from a route's declaration: body parsing,
// the deny-by-default authentication gate, permission checks, validation and
// deprecation headers. Each is only added to routes that need it, so a route
// without a body schema pays nothing for body parsing.

import { isBodyKind, parseBody, type BodyLimits, type ParsedBody } from '../request/body/index.ts';
import { deprecationHeaders } from '../response/deprecation.ts';
import { httpError } from '../errors.ts';
import { isAppError } from '../../errors/index.ts';
import { middleware, type Middleware } from '../pipeline/pipeline.ts';
import type { Deprecation, RouteOptions } from './route.ts';
import { queryToObject, validateInput } from '../request/validation.ts';

export function bodyParsingMiddleware(
  route: RouteOptions,
  limits: BodyLimits,
  tmpDir: string,
): Middleware | undefined {
  const accepts = route.accepts ?? (route.schema?.body !== undefined ? ['json'] : undefined);
  if (accepts === undefined || accepts.length === 0) return undefined;
  const merged: BodyLimits = { ...limits, ...route.bodyLimits };
  // Small bodies are bounded by the server's requestTimeout and end with the
  // client; only uploads, which can run long, listen to the deadline signal
  // (creating one costs an AbortController and a listener per request).
  const watchDeadline = accepts.includes('multipart');
  // RFC 5789 §2.2: a PATCH refused for its media type says which ones it takes.
  const acceptPatch = accepts.filter((entry) => !isBodyKind(entry)).join(', ') || undefined;
  return middleware('body-parser', 'bodyParsing', async (c, next) => {
    let parsed: ParsedBody;
    try {
      parsed = await parseBody(c.req, accepts, merged, {
        tmpDir,
        ...(watchDeadline ? { signal: c.signal } : {}),
      });
    } catch (error) {
      if (
        acceptPatch !== undefined &&
        c.method === 'PATCH' &&
        isAppError(error) &&
        error.code === 'HTTP_UNSUPPORTED_MEDIA_TYPE'
      ) {
        c.set('accept-patch', acceptPatch);
      }
      throw error;
    }
    switch (parsed.kind) {
      case 'none':
        break;
      case 'json':
      case 'form':
        c.parsedBody = parsed.value;
        break;
      case 'multipart':
        c.onDone(parsed.cleanup);
        c.parsedBody = { fields: parsed.fields, files: parsed.files };
        break;
    }
    await next();
  });
}

/**
 * Deny by default: a route is authenticated unless it says `auth: 'public'`.
 * 401 means "we don't know who you are"; 403 means "we do, and you may not"
 * (seed module 02's gotcha).
 */
export function authGateMiddleware(
  auth: 'public' | 'required',
  permissions: readonly string[],
): Middleware | undefined {
  if (auth === 'public' && permissions.length === 0) return undefined;
  return middleware('auth-gate', 'authz', (c, next) => {
    const identity = c.identity;
    if (identity === undefined) {
      throw httpError('HTTP_UNAUTHENTICATED', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    for (const permission of permissions) {
      if (!identity.permissions.has(permission)) {
        throw httpError('HTTP_FORBIDDEN', { detail: `missing permission ${permission}` });
      }
    }
    return next();
  });
}

export function validationMiddleware(route: RouteOptions): Middleware | undefined {
  const schema = route.schema;
  if (
    schema === undefined ||
    (schema.params === undefined &&
      schema.query === undefined &&
      schema.headers === undefined &&
      schema.body === undefined)
  ) {
    return undefined;
  }
  return middleware('validation', 'validation', (c, next) => {
    const raw = {
      params: c.params,
      // Parse the query string only for routes that declare it.
      query: schema.query === undefined ? undefined : queryToObject(c.query),
      headers: c.headers,
      body: c.parsedBody,
    };
    const result = validateInput(schema, raw);
    if (result instanceof Promise) {
      return result.then((input) => {
        c.input = input;
        return next();
      });
    }
    c.input = result;
    return next();
  });
}

const PATH_PARAM = /:([A-Za-z_][A-Za-z0-9_]*)/g;
const HAS_PATH_PARAM = /:[A-Za-z_]/;

export function deprecationMiddleware(deprecated: Deprecation | undefined): Middleware | undefined {
  if (deprecated === undefined) return undefined;
  const successor = deprecated.successor;
  // Validated here, at start-up, placeholders and all.
  const headers = deprecationHeaders({
    deprecatedAt: deprecated.since ?? true,
    ...(deprecated.sunset === undefined ? {} : { sunset: deprecated.sunset }),
    ...(successor === undefined ? {} : { successor }),
  });
  // Flattened once; per request only pushes (these names are new on the response).
  const flat = headers.flat();
  if (successor === undefined || !HAS_PATH_PARAM.test(successor)) {
    return middleware('deprecation', 'securityHeaders', (c, next) => {
      const out = c.responseHeaders;
      for (let i = 0; i < flat.length; i++) out.push(flat[i]!);
      return next();
    });
  }
  // A successor with `:name` placeholders: its Link is built per request from
  // the template split once into literal parts and parameter names.
  const fixed = headers.filter(([name]) => name !== 'link').flat();
  const parts = successor.split(PATH_PARAM);
  return middleware('deprecation', 'securityHeaders', (c, next) => {
    const out = c.responseHeaders;
    for (let i = 0; i < fixed.length; i++) out.push(fixed[i]!);
    let target = parts[0]!;
    for (let i = 1; i < parts.length; i += 2) {
      target += encodeURIComponent(c.params[parts[i]!] ?? '') + parts[i + 1]!;
    }
    out.push('link', `<${target}>; rel="successor-version"`);
    return next();
  });
}
