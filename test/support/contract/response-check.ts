// Checks one response against the document its service serves: the status is
// documented for the operation (explicitly or by `default`), the media type
// is one documented for that status, the body matches that media type's
// schema, and required response headers are present. Where the document
// names the problem codes of a status (one example per code, as this
// service's document does), a problem's `code` must be one of them.
// Responses on paths no route matches (404, 405, 400 for a malformed path)
// must be problem+json.
//
// The operation is found with the service's own router built from the app's
// route records, so a request is attributed exactly as the service routed it
// (constrained parameters, HEAD served by GET, trailing-slash redirects), and
// routes kept out of the document (health probes hidden by choice, the docs
// page, test-only routes) are recognised and skipped.

import { unpack } from 'msgpackr';
import type { RouteRecord } from '../../../src/http/routing/route.ts';
import { toOpenApiPath } from '../../../src/http/openapi/openapi.ts';
import { RadixRouter } from '../../../src/http/routing/router/radix-router.ts';
import {
  isJsonMedia,
  matchMediaType,
  mediaEssence,
  resolveAt,
  resolveRef,
  type MediaTypeObject,
  type OpenApiDocument,
  type ResponseObject,
} from './document.ts';
import { describeErrors, registerDocument, validatorAt } from './schemas.ts';

/** One response as the server wrote it. */
export interface Exchange {
  readonly method: string;
  /** Path without the query string, as received. */
  readonly path: string;
  readonly status: number;
  /** Lower-case names; repeated fields joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** Decoded body (after Content-Encoding); undefined when not captured (too large, a stream). */
  readonly body: Buffer | undefined;
  /** Bytes sent on the wire. */
  readonly wireBytes: number;
  /** Set when the body was captured but could not be decoded. */
  readonly bodyError?: string;
}

export type MismatchKind =
  | 'undocumented-operation'
  | 'status'
  | 'media-type'
  | 'body'
  | 'header'
  | 'problem'
  | 'problem-code';

export interface Mismatch {
  /** `POST /api/v1/orders/{id}/pay`, or `(no route)` for unmatched paths. */
  readonly operation: string;
  readonly status: number;
  readonly kind: MismatchKind;
  readonly detail: string;
  /** The request that produced it: method, path and request id. */
  readonly request: string;
  /** The start of the body, for the report. */
  readonly body?: string;
}

export type Located =
  | { readonly type: 'operation'; readonly method: string; readonly docPath: string }
  | { readonly type: 'hidden' }
  | { readonly type: 'unmatched' }
  | { readonly type: 'skip' };

const UNMATCHED = '(no route)';
const BODYLESS = new Set([204, 205, 304]);

export class ServedContract {
  readonly document: OpenApiDocument;
  /** The document's id for Ajv references (`validatorAt`). */
  readonly documentId: string;
  readonly #router = new RadixRouter<RouteRecord>();
  /** Resolved response objects and where they live, by `method path status-key`. */
  readonly #responses = new Map<string, { value: ResponseObject; at: readonly string[] }>();

  constructor(document: OpenApiDocument, hash: string, records: readonly RouteRecord[]) {
    this.document = document;
    this.documentId = registerDocument(document, hash);
    for (const record of records) this.#router.add(record.method, record.pattern, record);
  }

  /** Which documented operation (if any) a request reached. */
  locate(method: string, path: string): Located {
    const match = this.#router.find(method, path);
    switch (match.type) {
      case 'found': {
        if (match.value.options.hidden === true) return { type: 'hidden' };
        // HEAD without its own route is served by GET (and documented there).
        const documented = method === 'HEAD' ? 'get' : method.toLowerCase();
        return { type: 'operation', method: documented, docPath: toOpenApiPath(match.pattern) };
      }
      case 'options':
      case 'redirect':
        return { type: 'skip' };
      default:
        return { type: 'unmatched' };
    }
  }

  check(exchange: Exchange): Mismatch[] {
    const located = this.locate(exchange.method, exchange.path);
    if (located.type === 'hidden' || located.type === 'skip') {
      // Problems are problems wherever they come from.
      return exchange.status >= 400 && located.type === 'skip'
        ? this.#checkProblem(UNMATCHED, exchange)
        : [];
    }
    if (located.type === 'unmatched') {
      return exchange.status >= 400 ? this.#checkProblem(UNMATCHED, exchange) : [];
    }
    const { method, docPath } = located;
    const operation = `${method.toUpperCase()} ${docPath}`;
    const documented = this.document.paths[docPath]?.[method];
    if (documented === undefined) {
      return [mismatch(operation, exchange, 'undocumented-operation', 'not in the document')];
    }
    const statusKey = [String(exchange.status), `${String(exchange.status)[0]}XX`, 'default'].find(
      (key) => documented.responses[key] !== undefined,
    );
    if (statusKey === undefined) {
      const listed = Object.keys(documented.responses).join(', ');
      return [
        mismatch(operation, exchange, 'status', `status not documented (documented: ${listed})`),
      ];
    }
    const response = this.#response(method, docPath, statusKey);
    return [
      ...this.#checkHeaders(operation, exchange, response.value),
      ...this.#checkContent(operation, exchange, response.value, response.at),
    ];
  }

  #response(
    method: string,
    docPath: string,
    statusKey: string,
  ): { value: ResponseObject; at: readonly string[] } {
    const key = `${method} ${docPath} ${statusKey}`;
    let found = this.#responses.get(key);
    if (found === undefined) {
      const raw = this.document.paths[docPath]![method]!.responses[statusKey]!;
      found = resolveAt<ResponseObject>(this.document, raw, [
        'paths',
        docPath,
        method,
        'responses',
        statusKey,
      ]);
      this.#responses.set(key, found);
    }
    return found;
  }

  #checkHeaders(operation: string, exchange: Exchange, response: ResponseObject): Mismatch[] {
    const out: Mismatch[] = [];
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const resolved = resolveRef(this.document, header);
      if (resolved.required === true && exchange.headers[name.toLowerCase()] === undefined) {
        out.push(mismatch(operation, exchange, 'header', `required header ${name} missing`));
      }
    }
    return out;
  }

  #checkContent(
    operation: string,
    exchange: Exchange,
    response: ResponseObject,
    responsePath: readonly string[],
  ): Mismatch[] {
    if (exchange.method === 'HEAD' || BODYLESS.has(exchange.status)) return [];
    const contentType = exchange.headers['content-type'];
    const hasBody = exchange.wireBytes > 0 || contentType !== undefined;
    const documented = Object.keys(response.content ?? {});
    if (!hasBody) {
      return documented.length === 0
        ? []
        : [
            mismatch(
              operation,
              exchange,
              'media-type',
              `no body, documented: ${documented.join(', ')}`,
            ),
          ];
    }
    if (documented.length === 0) {
      return [
        mismatch(
          operation,
          exchange,
          'media-type',
          `body of type ${contentType ?? '(none)'} where the document describes none`,
        ),
      ];
    }
    const essence = mediaEssence(contentType ?? '');
    const key = matchMediaType(documented, essence);
    if (key === undefined) {
      return [
        mismatch(
          operation,
          exchange,
          'media-type',
          `${contentType ?? 'no content-type'} is not among ${documented.join(', ')}`,
        ),
      ];
    }
    if (exchange.bodyError !== undefined) {
      return [mismatch(operation, exchange, 'body', exchange.bodyError)];
    }
    const media = response.content![key]!;
    const msgpack = essence === 'application/msgpack';
    if (media.schema === undefined || exchange.body === undefined) return [];
    if (!isJsonMedia(essence) && !msgpack) return [];
    const found = this.#checkBody(
      operation,
      exchange,
      [...responsePath, 'content', key, 'schema'],
      media.schema,
      msgpack,
    );
    if (found.length > 0 || essence !== 'application/problem+json') return found;
    return this.#checkCode(operation, exchange, media);
  }

  /** The problem's code against the codes the document's examples name for this status. */
  #checkCode(operation: string, exchange: Exchange, media: MediaTypeObject): Mismatch[] {
    const codes = Object.values(media.examples ?? {})
      .map((example) => resolveRef(this.document, example).value as { code?: unknown } | undefined)
      .map((value) => value?.code)
      .filter((code): code is string => typeof code === 'string');
    if (codes.length === 0) return [];
    const code = (JSON.parse(exchange.body!.toString('utf8')) as { code?: unknown }).code;
    if (typeof code === 'string' && codes.includes(code)) return [];
    return [
      mismatch(
        operation,
        exchange,
        'problem-code',
        `code ${String(code)} is not among ${codes.join(', ')}`,
      ),
    ];
  }

  #checkBody(
    operation: string,
    exchange: Exchange,
    schemaPath: readonly string[],
    schema?: unknown,
    msgpack = false,
  ): Mismatch[] {
    let value: unknown;
    try {
      // MessagePack carries the same data model: checked against the same schema.
      value = msgpack ? unpack(exchange.body!) : JSON.parse(exchange.body!.toString('utf8'));
    } catch (error) {
      const what = msgpack ? 'MessagePack' : 'JSON';
      return [mismatch(operation, exchange, 'body', `not ${what}: ${(error as Error).message}`)];
    }
    const validate = validatorAt(this.documentId, schemaPath, schema);
    if (validate(value)) return [];
    return [mismatch(operation, exchange, 'body', describeErrors(validate.errors))];
  }

  /** Responses outside any documented operation: 4xx/5xx must be problem+json. */
  #checkProblem(operation: string, exchange: Exchange): Mismatch[] {
    if (exchange.method === 'HEAD') return [];
    const essence = mediaEssence(exchange.headers['content-type'] ?? '');
    if (essence !== 'application/problem+json') {
      return [mismatch(operation, exchange, 'problem', `content-type ${essence || '(none)'}`)];
    }
    if (exchange.body === undefined) return [];
    const problem = ['components', 'schemas', 'Problem'];
    return this.#checkBody(operation, exchange, problem, {
      $ref: '#/components/schemas/Problem',
    }).map((m) => ({
      ...m,
      kind: 'problem' as const,
    }));
  }
}

function mismatch(
  operation: string,
  exchange: Exchange,
  kind: MismatchKind,
  detail: string,
): Mismatch {
  const requestId = exchange.headers['x-request-id'];
  return {
    operation,
    status: exchange.status,
    kind,
    detail,
    request: `${exchange.method} ${exchange.path}${requestId === undefined ? '' : ` (request id ${requestId})`}`,
    ...(exchange.body === undefined || exchange.body.length === 0
      ? {}
      : { body: exchange.body.subarray(0, 300).toString('utf8') }),
  };
}
