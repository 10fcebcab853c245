// One operation of the document as the fuzz suite drives it: requests its
// schemas allow (path, query and header parameters, the body), requests
// broken on purpose, and which of the two a given request is by the
// document's own schemas (Ajv decides, so a mutation that happens to stay
// valid is not counted as invalid).

import fc from 'fast-check';
import {
  isJsonMedia,
  mediaEssence,
  resolveAt,
  resolveRef,
  type JsonObject,
  type OpenApiDocument,
  type OperationObject,
  type ParameterObject,
} from '../../support/contract/document.ts';
import { validatorAt } from '../../support/contract/schemas.ts';
import { arbitraryFor, type SchemaHints } from './schema-arbitrary.ts';

export interface RequestInput {
  readonly path: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** A JSON value sent as `mediaType`, or `raw` text sent as is (malformed on purpose). */
  readonly body?: {
    readonly mediaType: string;
    readonly json?: unknown;
    readonly raw?: string;
  };
}

/**
 * valid: generated from the schemas; invalid: broken on purpose and refused
 * by the schemas; edge: broken on purpose yet still allowed by the schemas
 * (a NUL in a free-text member, an unknown query parameter).
 */
export type CaseKind = 'valid' | 'invalid' | 'edge';

export interface GeneratedCase {
  readonly kind: CaseKind;
  readonly input: RequestInput;
  /** What was broken, for reports. */
  readonly mutation?: string;
  /** Why the schemas refuse it. */
  readonly reason?: string;
}

interface Located<T> {
  readonly value: T;
  readonly at: readonly string[];
}

interface BodySpec {
  readonly mediaType: string;
  readonly schemaAt: readonly string[];
  readonly schema: JsonObject;
  readonly required: boolean;
}

/** Id-shaped strings: what a resource's id looks like in this API. */
const ID_PATTERN = '^[1-9]\\d{0,18}$';

export class OperationModel {
  readonly method: string;
  readonly path: string;
  /** `POST /api/v1/orders`, as known gaps and reports name it. */
  readonly key: string;
  readonly parameters: readonly Located<ParameterObject>[];
  readonly body: BodySpec | undefined;
  /** Statuses listed explicitly (not `default`). */
  readonly documented: ReadonlySet<string>;
  /** Problem codes the document names per status (from its examples), where it names any. */
  readonly codes: ReadonlyMap<string, ReadonlySet<string>>;
  readonly secured: boolean;
  readonly #document: OpenApiDocument;
  readonly #documentId: string;

  constructor(
    document: OpenApiDocument,
    documentId: string,
    method: string,
    path: string,
    operation: OperationObject,
  ) {
    this.#document = document;
    this.#documentId = documentId;
    this.method = method.toUpperCase();
    this.path = path;
    this.key = `${this.method} ${path}`;
    const base = ['paths', path, method];
    this.parameters = (operation.parameters ?? []).map((parameter, index) =>
      resolveAt<ParameterObject>(document, parameter, [...base, 'parameters', String(index)]),
    );
    const content = operation.requestBody?.content ?? {};
    const mediaType = Object.keys(content)[0];
    this.body =
      mediaType === undefined
        ? undefined
        : {
            mediaType,
            schemaAt: [...base, 'requestBody', 'content', mediaType, 'schema'],
            schema: content[mediaType]!.schema ?? {},
            required: operation.requestBody?.required === true,
          };
    this.documented = new Set(Object.keys(operation.responses).filter((k) => k !== 'default'));
    const codes = new Map<string, Set<string>>();
    for (const [status, raw] of Object.entries(operation.responses)) {
      const examples = resolveRef(document, raw).content?.['application/problem+json']?.examples;
      for (const example of Object.values(examples ?? {})) {
        const code = (resolveRef(document, example).value as { code?: unknown } | undefined)?.code;
        if (typeof code === 'string') codes.set(status, (codes.get(status) ?? new Set()).add(code));
      }
    }
    this.codes = codes;
    this.secured = (operation.security ?? []).length > 0;
  }

  /** Requests the document allows. */
  valid(hints: SchemaHints): fc.Arbitrary<RequestInput> {
    const byPlace = (place: ParameterObject['in']) => {
      const list = this.parameters.filter((p) => p.value.in === place);
      const model: Record<string, fc.Arbitrary<string>> = {};
      for (const { value } of list) {
        const generated = arbitraryFor(this.#document, value.schema ?? {}, hints, value.name).map(
          serialise,
        );
        // An HTTP field value is visible ASCII (fetch refuses the rest and
        // trims spaces); a header's schema rarely says so, so it is kept to that here.
        // A path segment of "." or ".." is not a value but a step in the path
        // (URLs remove it, and the server refuses it): no client can send it as one.
        model[value.name] =
          place === 'header'
            ? generated.map((text) => text.replace(/[^\x21-\x7e]/g, '~'))
            : place === 'path'
              ? generated.filter((text) => text !== '.' && text !== '..')
              : generated;
      }
      const required = list.filter((p) => p.value.required === true).map((p) => p.value.name);
      return fc.record(model, { requiredKeys: required });
    };
    const body = this.body;
    const bodyArbitrary =
      body === undefined
        ? fc.constant(undefined)
        : arbitraryFor(this.#document, body.schema, hints).map((json) => ({
            mediaType: body.mediaType,
            json,
          }));
    return fc
      .record({
        path: byPlace('path'),
        query: byPlace('query'),
        headers: byPlace('header'),
        body: bodyArbitrary,
      })
      .map(({ body: generated, ...rest }) =>
        generated === undefined ? rest : { ...rest, body: generated },
      );
  }

  /** Requests broken in one place each, classified by the schemas. */
  broken(hints: SchemaHints, junk: JunkValues): fc.Arbitrary<GeneratedCase> {
    return this.valid(hints)
      .chain((input) => fc.oneof(...this.#mutations(input, junk)))
      .map(({ input, mutation }) => {
        const reason = this.refusal(input);
        return reason === undefined
          ? { kind: 'edge' as const, input, mutation }
          : { kind: 'invalid' as const, input, mutation, reason };
      });
  }

  /** Why the document's schemas refuse `input`, or undefined when they allow it. */
  refusal(input: RequestInput): string | undefined {
    for (const { value: parameter, at } of this.parameters) {
      const raw = placeOf(input, parameter.in)?.[placeKey(parameter)];
      if (raw === undefined) {
        if (parameter.required === true) return `${parameter.in} ${parameter.name} missing`;
        continue;
      }
      const schema = parameter.schema ?? {};
      const value = coerce(this.#document, schema, raw);
      if (value === NOT_OF_TYPE) return `${parameter.in} ${parameter.name} not of its type`;
      if (!validatorAt(this.#documentId, [...at, 'schema'])(value)) {
        return `${parameter.in} ${parameter.name} out of its schema`;
      }
    }
    const body = this.body;
    if (body === undefined) return undefined;
    if (input.body === undefined) return body.required ? 'body missing' : undefined;
    if (mediaEssence(input.body.mediaType) !== mediaEssence(body.mediaType)) {
      return `body sent as ${input.body.mediaType}`;
    }
    let value = input.body.json;
    if (input.body.raw !== undefined) {
      try {
        value = JSON.parse(input.body.raw);
      } catch {
        return 'body is not JSON';
      }
    }
    if (!isJsonMedia(mediaEssence(body.mediaType))) return undefined;
    return validatorAt(this.#documentId, body.schemaAt)(value)
      ? undefined
      : 'body out of its schema';
  }

  #mutations(
    input: RequestInput,
    junk: JunkValues,
  ): fc.Arbitrary<{ input: RequestInput; mutation: string }>[] {
    const out: fc.Arbitrary<{ input: RequestInput; mutation: string }>[] = [];
    const body = input.body;
    if (body?.json !== undefined) {
      const nodes = nodesOf(body.json);
      const withJson = (json: unknown, mutation: string) => ({
        input: { ...input, body: { ...body, json } },
        mutation,
      });
      // Filters would spin forever on an empty choice: each mutation picks
      // only among the nodes it applies to, and is left out when there are none.
      const objects = nodes.filter((node) => isObject(node.value));
      const members = nodes.filter((node) => node.at.length > 0);
      const strings = nodes.filter((node) => typeof node.value === 'string');
      out.push(
        fc
          .tuple(fc.constantFrom(...nodes), fc.constantFrom(...junk.wrongTypes))
          .map(([node, value]) =>
            withJson(
              replaceAt(body.json, node.at, value),
              `body ${pointerText(node.at)} → ${show(value)}`,
            ),
          ),
        fc.tuple(fc.constantFrom(...nodes), fc.nat()).map(([node, pick]) => {
          const options = outOfRange(node.value);
          const value = options[pick % options.length];
          return withJson(
            replaceAt(body.json, node.at, value),
            `body ${pointerText(node.at)} → ${show(value)}`,
          );
        }),
      );
      if (objects.length > 0) {
        out.push(
          fc
            .tuple(fc.constantFrom(...objects), fc.string({ minLength: 1, maxLength: 12 }))
            .map(([node, key]) =>
              withJson(
                replaceAt(body.json, node.at, { ...(node.value as object), [key]: 1 }),
                `body ${pointerText(node.at)} gains member ${show(key)}`,
              ),
            ),
        );
      }
      if (members.length > 0) {
        out.push(
          fc
            .constantFrom(...members)
            .map((node) =>
              withJson(removeAt(body.json, node.at), `body ${pointerText(node.at)} removed`),
            ),
        );
      }
      if (strings.length > 0) {
        out.push(
          fc
            .constantFrom(...strings)
            .map((node) =>
              withJson(
                replaceAt(body.json, node.at, `${node.value as string}\u0000x`),
                `body ${pointerText(node.at)} with a NUL`,
              ),
            ),
        );
      }
      out.push(
        fc.constantFrom(...junk.rawBodies).map((raw) => ({
          input: { ...input, body: { mediaType: body.mediaType, raw } },
          mutation: `body ${show(raw)}`,
        })),
        fc.constant({
          input: { ...input, body: { ...body, mediaType: 'text/plain' } },
          mutation: 'body sent as text/plain',
        }),
        fc.constant({ input: withoutBody(input), mutation: 'no body' }),
      );
    }
    for (const { value: parameter } of this.parameters) {
      const place = parameter.in;
      if (place === 'cookie') continue;
      const name = placeKey(parameter);
      const values =
        place === 'header' ? junk.headerValues(parameter) : junk.paramValues(parameter);
      out.push(
        fc.constantFrom(...values).map((value) => ({
          input: withParam(input, place, name, value),
          mutation: `${place} ${parameter.name} = ${show(value)}`,
        })),
      );
      if (place !== 'path' && parameter.required === true) {
        out.push(
          fc.constant({
            input: withParam(input, place, name, undefined),
            mutation: `${place} ${parameter.name} left out`,
          }),
        );
      }
    }
    // An unknown query parameter: the document does not say whether it is refused.
    out.push(
      fc.string({ minLength: 1, maxLength: 8 }).map((name) => ({
        input: withParam(input, 'query', `x-${name}`, '1'),
        mutation: `unknown query parameter x-${name}`,
      })),
    );
    if (body === undefined && this.body === undefined && this.method !== 'GET') {
      out.push(
        fc.constant({
          input: { ...input, body: { mediaType: 'application/json', json: { unexpected: true } } },
          mutation: 'a body where none is described',
        }),
      );
    }
    return out;
  }
}

/** Values that break parameters and bodies; tuned per parameter. */
export interface JunkValues {
  readonly wrongTypes: readonly unknown[];
  readonly rawBodies: readonly string[];
  paramValues(parameter: ParameterObject): readonly string[];
  headerValues(parameter: ParameterObject): readonly string[];
}

export function defaultJunk(cursors: () => readonly string[]): JunkValues {
  const huge = ['9223372036854775808', '9'.repeat(19), '9'.repeat(40)];
  return {
    wrongTypes: [0, -1, 1.5, 1e308, '', 'x', '1', true, null, [], [1], {}, { a: 1 }],
    rawBodies: [
      '',
      '{',
      '{"a":',
      '[1,]',
      'null',
      '"text"',
      '\u0000',
      '\uFEFF{}',
      '{"__proto__":{"polluted":true}}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      '{"a":1e999999}',
    ],
    paramValues(parameter) {
      const schema = parameter.schema ?? {};
      const values = ['', ' ', 'x'.repeat(5000), '\u0000', 'a\u0000b', '%', '..', '💥', 'null'];
      if (schema.type === 'integer' || schema.type === 'number') {
        values.push('abc', '1.5', '0x10', '1e3', ' 7', '-0', '-1', '0', '+1', ...huge);
        if (typeof schema.maximum === 'number') values.push(String(schema.maximum + 1));
        if (typeof schema.minimum === 'number') values.push(String(schema.minimum - 1));
      }
      if (schema.pattern === ID_PATTERN) values.push('0', '01', '-1', ' 1', '1 ', 'abc', ...huge);
      if (parameter.name === 'after' || parameter.name === 'before') {
        values.push('AAAA', 'eyJ9', 'a.b.c', ...cursors().map(tamper));
      }
      if (typeof schema.maxLength === 'number') values.push('z'.repeat(schema.maxLength + 1));
      return values;
    },
    headerValues(parameter) {
      // fetch refuses control characters in header values, so none here.
      const schema = parameter.schema ?? {};
      const values = ['', ' ', 'x'.repeat(4000), 'é', '"quoted"', '*', 'W/"1"'];
      if (typeof schema.maxLength === 'number') values.push('z'.repeat(schema.maxLength + 1));
      return values;
    },
  };
}

/** A real cursor with one character changed: well-formed, but not one the server issued. */
function tamper(cursor: string): string {
  const at = Math.floor(cursor.length / 2);
  const swapped = cursor[at] === 'A' ? 'B' : 'A';
  return `${cursor.slice(0, at)}${swapped}${cursor.slice(at + 1)}`;
}

/** Values just outside the usual bounds of whatever `value` is. */
function outOfRange(value: unknown): unknown[] {
  if (typeof value === 'number') {
    return [value + 1, value - 1, -1, 0, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e300, 0.5];
  }
  if (typeof value === 'string') return ['', 'x'.repeat(Math.max(300, value.length * 10 + 1))];
  if (Array.isArray(value)) {
    const first: unknown = value[0] ?? 1;
    return [[], Array.from({ length: 200 }, () => first)];
  }
  return [null];
}

const NOT_OF_TYPE = Symbol('not of its type');

/** A parameter's text read as its schema's type, the way the server must read it. */
function coerce(document: OpenApiDocument, schema: JsonObject, raw: string): unknown {
  const resolved = resolveAt<JsonObject>(document, schema, []).value;
  const types = Array.isArray(resolved.type)
    ? (resolved.type as string[])
    : resolved.type === undefined
      ? ['string']
      : [resolved.type as string];
  for (const type of types) {
    if (type === 'string') return raw;
    if (type === 'integer' && /^-?(0|[1-9]\d*)$/.test(raw)) return Number(raw);
    if (type === 'number' && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) {
      return Number(raw);
    }
    if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  }
  return NOT_OF_TYPE;
}

function serialise(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function placeOf(
  input: RequestInput,
  place: ParameterObject['in'],
): Readonly<Record<string, string>> | undefined {
  if (place === 'path') return input.path;
  if (place === 'query') return input.query;
  if (place === 'header') return input.headers;
  return undefined;
}

/** Header names are compared without case; requests carry them in lower case. */
function placeKey(parameter: ParameterObject): string {
  return parameter.in === 'header' ? parameter.name.toLowerCase() : parameter.name;
}

function withParam(
  input: RequestInput,
  place: ParameterObject['in'],
  name: string,
  value: string | undefined,
): RequestInput {
  const field = place === 'path' ? 'path' : place === 'query' ? 'query' : 'headers';
  const next = Object.fromEntries(Object.entries(input[field]).filter(([key]) => key !== name));
  if (value !== undefined) next[name] = value;
  return { ...input, [field]: next };
}

function withoutBody(input: RequestInput): RequestInput {
  const { body: _dropped, ...rest } = input;
  return rest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every node of a JSON value with its path, the root first. */
function nodesOf(value: unknown, at: readonly string[] = []): { value: unknown; at: string[] }[] {
  const out = [{ value, at: [...at] }];
  if (Array.isArray(value))
    value.forEach((item, i) => out.push(...nodesOf(item, [...at, String(i)])));
  else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) out.push(...nodesOf(item, [...at, key]));
  }
  return out;
}

function replaceAt(root: unknown, at: readonly string[], value: unknown): unknown {
  if (at.length === 0) return value;
  const [head, ...rest] = at as [string, ...string[]];
  if (Array.isArray(root)) {
    const copy = [...root];
    copy[Number(head)] = replaceAt(copy[Number(head)], rest, value);
    return copy;
  }
  const copy = { ...(root as Record<string, unknown>) };
  copy[head] = replaceAt(copy[head], rest, value);
  return copy;
}

function removeAt(root: unknown, at: readonly string[]): unknown {
  const [head, ...rest] = at as [string, ...string[]];
  if (rest.length > 0) {
    const child = Array.isArray(root)
      ? root[Number(head)]
      : (root as Record<string, unknown>)[head];
    return replaceAt(root, [head], removeAt(child, rest));
  }
  if (Array.isArray(root)) return root.filter((_, i) => i !== Number(head));
  const { [head]: _removed, ...kept } = root as Record<string, unknown>;
  return kept;
}

function pointerText(at: readonly string[]): string {
  return at.length === 0 ? '(root)' : `/${at.join('/')}`;
}

/** Short display of a generated value. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…(${text.length} chars)` : text;
}
