// The error side of the OpenAPI document. A route's error codes come from
// four places: its shape (a body can be malformed, input can fail validation,
// a protected route needs credentials and permissions, a route that produces
// JSON refuses an Accept that rules JSON out), the middleware attached to it,
// what the composition root knows about its global middleware, and the
// route's own `errors` list. Each code is documented under the status its
// registry gives it, one problem+json response per status, with one named
// example per code; the statuses are never written down twice.

import { STATUS_CODES } from 'node:http';
import { isBodyKind } from '../request/body/limits.ts';
import type { ErrorRegistry } from '../../errors/index.ts';
import { declaredMediaTypes } from '../response/produces.ts';
import { problemType } from '../response/problem.ts';
import type { RouteRecord } from '../routing/route.ts';

type JsonObject = Record<string, unknown>;

/** What the route's declaration implies, in the order a request meets it. */
function impliedErrors(record: RouteRecord): string[] {
  const route = record.options;
  const schema = route.schema;
  const codes: string[] = [];
  const accepts = route.accepts ?? (schema?.body === undefined ? [] : ['json']);
  if (accepts.length > 0) {
    codes.push('HTTP_BAD_REQUEST', 'HTTP_MALFORMED_BODY');
    if (accepts.some((entry) => entry === 'json' || (!isBodyKind(entry) && /json/.test(entry)))) {
      codes.push('HTTP_MALFORMED_JSON');
    }
    codes.push('HTTP_PAYLOAD_TOO_LARGE', 'HTTP_UNSUPPORTED_MEDIA_TYPE');
  }
  if (record.auth !== 'public' || record.permissions.length > 0) {
    codes.push('HTTP_UNAUTHENTICATED');
  }
  if (record.permissions.length > 0) codes.push('HTTP_FORBIDDEN');
  const produces = route.produces ?? declaredMediaTypes(route);
  if (produces.length > 0 && !produces.includes('*/*')) codes.push('HTTP_NOT_ACCEPTABLE');
  const validates =
    schema?.body !== undefined ||
    schema?.query !== undefined ||
    schema?.params !== undefined ||
    schema?.headers !== undefined;
  if (validates) codes.push('HTTP_VALIDATION_FAILED');
  return codes;
}

/** Every code the route may answer with, without repeats. */
export function routeErrorCodes(record: RouteRecord, fromComposition: readonly string[]): string[] {
  return [
    ...new Set([
      ...impliedErrors(record),
      ...record.middleware.flatMap((m) => m.errors ?? []),
      ...fromComposition,
      ...record.errors,
    ]),
  ];
}

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/**
 * Builds the per-status error responses of each operation and collects the
 * examples they refer to, so `components.examples` holds exactly the codes
 * that some operation documents.
 */
export class ErrorResponses {
  readonly #registry: ErrorRegistry;
  readonly examples: Record<string, JsonObject> = {};

  constructor(registry: ErrorRegistry) {
    this.#registry = registry;
  }

  /**
   * Adds one response per status to `responses`; a status the route already
   * declares (a readiness report's 503) keeps its body and gains the problem.
   */
  addTo(responses: JsonObject, codes: readonly string[]): void {
    const byStatus = new Map<number, string[]>();
    for (const code of codes) {
      const spec = this.#registry[code];
      if (spec === undefined) throw new Error(`error code ${code} is not registered`);
      byStatus.set(spec.status, [...(byStatus.get(spec.status) ?? []), code]);
    }
    for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
      const problem = {
        schema: PROBLEM_REF,
        examples: Object.fromEntries(list.map((code) => [code, this.#example(code)])),
      };
      const lines = list.map((code) => `- \`${code}\`: ${this.#registry[code]!.title}`);
      const declared = responses[String(status)] as JsonObject | undefined;
      if (declared === undefined) {
        responses[String(status)] = {
          description: `${STATUS_CODES[status] ?? 'Error'}. A problem whose \`code\` is one of:\n\n${lines.join('\n')}`,
          content: { 'application/problem+json': problem },
        };
      } else {
        responses[String(status)] = {
          ...declared,
          description: `${String(declared.description)}\n\nOr a problem whose \`code\` is one of:\n\n${lines.join('\n')}`,
          content: {
            ...((declared.content as JsonObject | undefined) ?? {}),
            'application/problem+json': problem,
          },
        };
      }
    }
  }

  #example(code: string): JsonObject {
    const spec = this.#registry[code]!;
    this.examples[code] ??= {
      summary: spec.title,
      value: {
        type: problemType(code),
        title: spec.title,
        status: spec.status,
        code,
        requestId: '0f9e1c2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f',
      },
    };
    return { $ref: `#/components/examples/${code}` };
  }
}
