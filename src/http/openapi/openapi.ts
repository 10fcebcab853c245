// OpenAPI 3.1 from the route declarations themselves: the schemas that
// validate a request are the ones that document it, so the document cannot
// drift from the code. 3.1 uses JSON Schema 2020-12, which is what zod emits.
// Error responses are built in error-responses.ts; the service's own texts
// (description, tags, servers) come from the composition root.

import { MSGPACK_MEDIA_TYPE } from '../request/body/msgpack.ts';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { isBodyKind } from '../request/body/limits.ts';
import { httpErrors } from '../errors.ts';
import type { ErrorRegistry } from '../../errors/index.ts';
import { ErrorResponses, routeErrorCodes } from './error-responses.ts';
import type { RouteRecord, ResponseSpec } from '../routing/route.ts';

export interface OpenApiTag {
  readonly name: string;
  readonly description: string;
}

export interface OpenApiOptions {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
  readonly contact?: { readonly name?: string; readonly url?: string; readonly email?: string };
  readonly license?: { readonly name: string; readonly identifier?: string; readonly url?: string };
  readonly servers?: readonly { url: string; description?: string }[];
  /**
   * The document's tags, in display order. When given, every operation's
   * tags must be among them.
   */
  readonly tags?: readonly OpenApiTag[];
  /** Security schemes; routes that need auth list every scheme as an alternative. */
  readonly securitySchemes?: Readonly<Record<string, unknown>>;
  /** Every code the service may answer with, for its status; default: the HTTP core's. */
  readonly errors?: ErrorRegistry;
  /**
   * Codes a route may answer with because of global middleware (rate
   * limits, authentication): the composition root knows which routes each
   * one spares.
   */
  readonly routeErrors?: (record: RouteRecord) => readonly string[];
}

type JsonObject = Record<string, unknown>;

const DEFAULT_SECURITY = { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } };

/**
 * camelCase, starting with a verb-like lower-case word: `getProduct`, `payOrder`.
 * Each word starts with a capital only: a digit there would let a run of digits
 * split between words in exponentially many ways when the match fails.
 */
// eslint-disable-next-line security/detect-unsafe-regex -- each repeated word starts with a capital the previous word cannot consume: linear (a digit there was exponential, see the test)
const OPERATION_ID = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$/;

/** The routes the document describes: not hidden, not the automatic HEAD twins. */
export function documentedRoutes(records: readonly RouteRecord[]): RouteRecord[] {
  return records.filter((record) => record.options.hidden !== true && record.method !== 'HEAD');
}

/**
 * What keeps `records` from being documented: a missing, malformed or
 * repeated operationId, an error code no registry knows, a tag the document
 * does not declare. Empty when all is well.
 */
export function openApiProblems(
  records: readonly RouteRecord[],
  options: Pick<OpenApiOptions, 'errors' | 'routeErrors' | 'tags'>,
): string[] {
  const registry: ErrorRegistry = options.errors ?? httpErrors;
  const tags = options.tags === undefined ? undefined : new Set(options.tags.map((t) => t.name));
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const record of documentedRoutes(records)) {
    const route = `${record.method} ${record.pattern}`;
    const id = record.options.operationId;
    if (id === undefined) {
      problems.push(`${route} has no operationId (name it, or mark the route hidden)`);
    } else if (!OPERATION_ID.test(id)) {
      problems.push(`${route}: operationId ${id} is not camelCase`);
    } else if (seen.has(id)) {
      problems.push(`${route}: operationId ${id} is already used by ${seen.get(id)!}`);
    } else {
      seen.set(id, route);
    }
    const composed = options.routeErrors?.(record) ?? [];
    for (const code of routeErrorCodes(record, composed)) {
      if (registry[code] === undefined)
        problems.push(`${route}: error code ${code} is not registered`);
    }
    for (const tag of tags === undefined ? [] : record.tags) {
      if (!tags!.has(tag)) problems.push(`${route}: tag ${tag} is not declared`);
    }
  }
  return problems;
}

export function buildOpenApi(records: readonly RouteRecord[], options: OpenApiOptions): JsonObject {
  const problems = openApiProblems(records, options);
  if (problems.length > 0) {
    throw new Error(`the OpenAPI document cannot be built:\n  ${problems.join('\n  ')}`);
  }
  const securitySchemes = options.securitySchemes ?? DEFAULT_SECURITY;
  const schemas = new SchemaComponents();
  const errors = new ErrorResponses(options.errors ?? httpErrors);
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const record of documentedRoutes(records)) {
    const path = toOpenApiPath(record.pattern);
    const composed = options.routeErrors?.(record) ?? [];
    (paths[path] ??= {})[record.method.toLowerCase()] = operation(record, {
      securitySchemes,
      schemas,
      errors,
      codes: routeErrorCodes(record, composed),
    });
  }
  return {
    openapi: '3.1.0',
    info: {
      title: options.title,
      version: options.version,
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(options.contact === undefined ? {} : { contact: options.contact }),
      ...(options.license === undefined ? {} : { license: options.license }),
    },
    ...(options.servers === undefined ? {} : { servers: options.servers }),
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    paths,
    components: {
      schemas: { Problem: PROBLEM_SCHEMA, ...schemas.named },
      responses: { Problem: problemResponse('Any other error, as a problem') },
      examples: errors.examples,
      securitySchemes,
    },
  };
}

/** `/users/:id(\d+)/files/*path` → `/users/{id}/files/{path}` */
export function toOpenApiPath(pattern: string): string {
  return pattern
    .split('/')
    .map((segment) => {
      const name = paramName(segment);
      return name === undefined ? segment : `{${name}}`;
    })
    .join('/');
}

function paramName(segment: string): string | undefined {
  if (segment.startsWith(':')) return /^:([^(]+)/.exec(segment)?.[1];
  if (segment.startsWith('*')) return segment.slice(1) || 'wildcard';
  if (segment.startsWith('{') && segment.endsWith('}')) return segment.slice(1, -1).split(':')[0];
  return undefined;
}

interface OperationContext {
  readonly securitySchemes: Readonly<Record<string, unknown>>;
  readonly schemas: SchemaComponents;
  readonly errors: ErrorResponses;
  /** Every error code the route may answer with. */
  readonly codes: readonly string[];
}

function operation(record: RouteRecord, context: OperationContext) {
  const { securitySchemes, schemas } = context;
  const options = record.options;
  const schema = options.schema;
  const parameters = [
    ...pathParameters(record.pattern, schema?.params, schemas),
    ...objectParameters('query', schema?.query, schemas),
    ...objectParameters('header', schema?.headers, schemas),
  ];
  const op: JsonObject = {
    operationId: options.operationId,
    ...(options.summary === undefined ? {} : { summary: options.summary }),
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(record.tags.length === 0 ? {} : { tags: record.tags }),
    ...(parameters.length === 0 ? {} : { parameters }),
    responses: responses(record, context),
    security:
      record.auth === 'public' ? [] : Object.keys(securitySchemes).map((name) => ({ [name]: [] })),
    ...(options.deprecated === undefined ? {} : { deprecated: true }),
  };
  if (schema?.body !== undefined || options.accepts !== undefined) {
    const accepts = options.accepts ?? ['json'];
    const body = schema?.body === undefined ? {} : schemas.toSchema(schema.body, 'input');
    op.requestBody = {
      required: true,
      content: Object.fromEntries(
        // A JSON body may come as MessagePack too (request/body/msgpack.ts).
        [
          ...accepts.map((entry) => (isBodyKind(entry) ? MEDIA_TYPES[entry] : entry)),
          ...(accepts.includes('json') ? [MSGPACK_MEDIA_TYPE] : []),
        ].map((type) => [type, mediaType(type, body, schemas)]),
      ),
    };
  }
  return op;
}

/** A successful JSON response is also sent as MessagePack when asked (response/msgpack.ts). */
function withMsgpack(status: number, types: readonly string[]): readonly string[] {
  return status < 300 && types.includes('application/json')
    ? [...types, MSGPACK_MEDIA_TYPE]
    : types;
}

/**
 * A media type object. A JSON body's example, declared on its schema with
 * `.meta({ example })`, is repeated here: the media type is where OpenAPI
 * puts a body's example, and where reference renderers and client
 * generators look for it before making one up from the types ("string").
 */
function mediaType(type: string, schema: JsonObject, schemas: SchemaComponents): JsonObject {
  const essence = type.split(';', 1)[0]!.trim();
  const json = essence === 'application/json' || essence.endsWith('+json');
  const example = json ? schemas.exampleOf(schema) : undefined;
  return example === undefined ? { schema } : { schema, example };
}

const MEDIA_TYPES = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
  multipart: 'multipart/form-data',
} as const;

function pathParameters(
  pattern: string,
  params: z.ZodType | undefined,
  schemas: SchemaComponents,
): JsonObject[] {
  const declared = params === undefined ? undefined : schemas.toSchema(params, 'input');
  const properties = (declared?.properties ?? {}) as Record<string, JsonObject>;
  return pattern
    .split('/')
    .map(paramName)
    .filter((name): name is string => name !== undefined)
    .map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: properties[name] ?? { type: 'string' },
    }));
}

function objectParameters(
  where: 'query' | 'header',
  schema: z.ZodType | undefined,
  schemas: SchemaComponents,
): JsonObject[] {
  if (schema === undefined) return [];
  const json = schemas.toSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: required.has(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

function responses(record: RouteRecord, context: OperationContext): JsonObject {
  const out: JsonObject = {};
  const declared = record.options.schema?.responses ?? {};
  for (const [status, spec] of Object.entries(declared)) {
    const response: ResponseSpec = spec instanceof z.ZodType ? { schema: spec } : spec;
    out[status] = {
      description: response.description ?? 'Success',
      ...(response.schema === undefined
        ? {}
        : {
            content: Object.fromEntries(
              withMsgpack(Number(status), [
                response.contentType ?? 'application/json',
                ...(response.alsoAs ?? []),
              ]).map((type) => [
                type,
                mediaType(
                  type,
                  context.schemas.toSchema(response.schema!, 'output'),
                  context.schemas,
                ),
              ]),
            ),
          }),
    };
  }
  if (Object.keys(out).length === 0) out['200'] = { description: 'Success' };
  context.errors.addTo(out, context.codes);
  out.default = { $ref: '#/components/responses/Problem' };
  return out;
}

/**
 * JSON Schema for one zod schema, with every schema that has a meta `id`
 * hoisted into `components.schemas` and referenced from there. zod puts them
 * in a local `$defs`, whose `#/$defs/…` references an OpenAPI document cannot
 * resolve (the fragment is relative to the document root). When the input
 * and output forms of one id differ (defaults, transforms), the form met
 * second is named `<id>Input` or `<id>Output`.
 */
class SchemaComponents {
  readonly named: Record<string, JsonObject> = {};

  toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, JsonObject>;
    delete json.$defs;
    const names = new Map<string, string>();
    for (const [id, definition] of Object.entries(defs)) {
      const existing = this.named[id];
      const clash =
        existing !== undefined &&
        !isDeepStrictEqual(
          existing,
          rewriteRefs(definition, (name) => name),
        );
      names.set(id, clash ? `${id}${io === 'input' ? 'Input' : 'Output'}` : id);
    }
    const rename = (id: string) => names.get(id) ?? id;
    for (const [id, definition] of Object.entries(defs)) {
      this.named[rename(id)] ??= rewriteRefs(definition, rename);
    }
    return rewriteRefs(json, rename);
  }

  /** The schema's own example (`example`, else the first of `examples`), through a `$ref`. */
  exampleOf(schema: JsonObject): unknown {
    let current: JsonObject | undefined = schema;
    for (let hops = 0; current !== undefined && hops < 10; hops += 1) {
      if (current.example !== undefined) return current.example;
      if (Array.isArray(current.examples) && current.examples.length > 0)
        return current.examples[0];
      const ref: unknown = current.$ref;
      if (typeof ref !== 'string' || !ref.startsWith(COMPONENT_PREFIX)) return undefined;
      current = this.named[ref.slice(COMPONENT_PREFIX.length)];
    }
    return undefined;
  }
}

const COMPONENT_PREFIX = '#/components/schemas/';

function rewriteRefs(value: JsonObject, rename: (id: string) => string): JsonObject {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(node)) {
      out[key] =
        key === '$ref' && typeof item === 'string' && item.startsWith('#/$defs/')
          ? `#/components/schemas/${rename(item.slice('#/$defs/'.length))}`
          : walk(item);
    }
    return out;
  };
  return walk(value) as JsonObject;
}

const FIELD_ERROR_SCHEMA = {
  type: 'object',
  description: 'One failing input field',
  required: ['field', 'in', 'code', 'message'],
  properties: {
    field: {
      type: 'string',
      description: 'Dotted path inside its part of the request (`items.0.quantity`)',
    },
    in: { type: 'string', enum: ['body', 'query', 'params', 'headers'] },
    code: {
      type: 'string',
      description: 'Stable field error code (`required`, `out_of_range`, …)',
    },
    message: { type: 'string', description: 'For people; may change' },
  },
};

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'code', 'requestId'],
  properties: {
    type: { type: 'string', format: 'uri', description: 'A tag URI derived from `code`' },
    title: { type: 'string', description: 'Short summary of the code; may change' },
    status: { type: 'integer', description: 'The HTTP status, repeated' },
    detail: { type: 'string', description: 'What went wrong this time; may change' },
    instance: { type: 'string', description: 'The request path' },
    code: { type: 'string', description: 'Stable machine-readable error code: switch on this' },
    requestId: {
      type: 'string',
      description: 'Equals the X-Request-Id response header; quote it when reporting a problem',
    },
    errors: { type: 'array', items: FIELD_ERROR_SCHEMA },
  },
};

function problemResponse(description: string) {
  return {
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}
