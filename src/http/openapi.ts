// OpenAPI 3.1 from the route declarations themselves (seed module 21): the
// schemas that validate a request are the ones that document it, so the
// document cannot drift from the code. 3.1 uses JSON Schema 2020-12, which is
// what zod emits.

import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { isBodyKind } from './body/limits.ts';
import type { RouteRecord, ResponseSpec } from './route.ts';
import { PRECONDITION_HEADERS } from './validation.ts';

export interface OpenApiOptions {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
  readonly servers?: readonly { url: string; description?: string }[];
  /** Security schemes; routes that need auth list every scheme as an alternative. */
  readonly securitySchemes?: Readonly<Record<string, unknown>>;
}

type JsonObject = Record<string, unknown>;

const DEFAULT_SECURITY = { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } };

export function buildOpenApi(records: readonly RouteRecord[], options: OpenApiOptions): JsonObject {
  const securitySchemes = options.securitySchemes ?? DEFAULT_SECURITY;
  const schemas = new SchemaComponents();
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const record of records) {
    if (record.options.hidden === true || record.method === 'HEAD') continue;
    const path = toOpenApiPath(record.pattern);
    (paths[path] ??= {})[record.method.toLowerCase()] = operation(record, securitySchemes, schemas);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: options.title,
      version: options.version,
      ...(options.description === undefined ? {} : { description: options.description }),
    },
    ...(options.servers === undefined ? {} : { servers: options.servers }),
    paths,
    components: {
      schemas: { Problem: PROBLEM_SCHEMA, ...schemas.named },
      responses: PROBLEM_RESPONSES,
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

function operation(
  record: RouteRecord,
  securitySchemes: Readonly<Record<string, unknown>>,
  schemas: SchemaComponents,
) {
  const options = record.options;
  const schema = options.schema;
  const parameters = [
    ...pathParameters(record.pattern, schema?.params, schemas),
    ...objectParameters('query', schema?.query, schemas),
    ...objectParameters('header', schema?.headers, schemas),
  ];
  const op: JsonObject = {
    operationId: options.operationId ?? operationId(record.method, record.pattern),
    ...(options.summary === undefined ? {} : { summary: options.summary }),
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(record.tags.length === 0 ? {} : { tags: record.tags }),
    ...(parameters.length === 0 ? {} : { parameters }),
    responses: {
      ...responses(record, schemas),
      // A required If-Match (or If-Unmodified-Since): 428 without it, 412 when stale.
      ...(parameters.some(isRequiredPrecondition) ? PRECONDITION_RESPONSE_REFS : {}),
    },
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
        accepts.map((entry) => [isBodyKind(entry) ? MEDIA_TYPES[entry] : entry, { schema: body }]),
      ),
    };
  }
  return op;
}

function isRequiredPrecondition(parameter: JsonObject): boolean {
  return (
    parameter.in === 'header' &&
    parameter.required === true &&
    PRECONDITION_HEADERS.has(String(parameter.name))
  );
}

const PRECONDITION_RESPONSE_REFS = {
  '412': { $ref: '#/components/responses/PreconditionFailed' },
  '428': { $ref: '#/components/responses/PreconditionRequired' },
};

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

function responses(record: RouteRecord, schemas: SchemaComponents): JsonObject {
  const out: JsonObject = {};
  const declared = record.options.schema?.responses ?? {};
  for (const [status, spec] of Object.entries(declared)) {
    const response: ResponseSpec = spec instanceof z.ZodType ? { schema: spec } : spec;
    out[status] = {
      description: response.description ?? 'Success',
      ...(response.schema === undefined
        ? {}
        : {
            content: {
              [response.contentType ?? 'application/json']: {
                schema: schemas.toSchema(response.schema, 'output'),
              },
            },
          }),
    };
  }
  if (Object.keys(out).length === 0) out['200'] = { description: 'Success' };
  const schema = record.options.schema;
  const validates =
    schema?.body !== undefined ||
    schema?.query !== undefined ||
    schema?.params !== undefined ||
    schema?.headers !== undefined;
  if (validates) out['422'] = { $ref: '#/components/responses/ValidationFailed' };
  if (schema?.body !== undefined) out['400'] = { $ref: '#/components/responses/BadRequest' };
  if (record.auth !== 'public') out['401'] = { $ref: '#/components/responses/Unauthenticated' };
  if ((record.options.permissions ?? []).length > 0) {
    out['403'] = { $ref: '#/components/responses/Forbidden' };
  }
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
}

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

function operationId(method: string, pattern: string): string {
  const words = toOpenApiPath(pattern)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1));
  return method.toLowerCase() + words.join('');
}

const FIELD_ERROR_SCHEMA = {
  type: 'object',
  required: ['field', 'in', 'code', 'message'],
  properties: {
    field: { type: 'string' },
    in: { type: 'string', enum: ['body', 'query', 'params', 'headers'] },
    code: { type: 'string' },
    message: { type: 'string' },
  },
};

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'code', 'requestId'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string', description: 'Stable machine-readable error code' },
    requestId: { type: 'string' },
    errors: { type: 'array', items: FIELD_ERROR_SCHEMA },
  },
};

function problemResponse(description: string) {
  return {
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

const PROBLEM_RESPONSES = {
  BadRequest: problemResponse('Malformed request'),
  Unauthenticated: problemResponse('Authentication required'),
  Forbidden: problemResponse('Authenticated but not allowed'),
  ValidationFailed: problemResponse('Validation failed; `errors` lists every failing field'),
  PreconditionFailed: problemResponse(
    'Precondition failed: the resource changed since the validator sent (If-Match) was read',
  ),
  PreconditionRequired: problemResponse(
    'Precondition required: send the validator (If-Match) of the version last read',
  ),
  Problem: problemResponse('Error'),
};
