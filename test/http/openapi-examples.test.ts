// The examples of the service's OpenAPI document are what the API reference
// shows and "Try it out" sends, so each must be one the server takes: every
// JSON request body and every successful JSON response body carries an
// example on its media type (else the renderer makes one up from the types),
// every example anywhere in the document (media types, parameters, schemas
// and their properties) validates against the schema it sits beside, and none
// is a placeholder the reference renderer would have made up by itself
// ("string").

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { z } from 'zod';
import { toOpenApiPath } from '../../src/http/openapi/openapi.ts';
import {
  documentHash,
  isJsonMedia,
  mediaEssence,
  operationsOf,
  type JsonObject,
  type OpenApiDocument,
} from '../support/contract/document.ts';
import { describeErrors, registerDocument, validatorAt } from '../support/contract/schemas.ts';
import { startService, type StartedService } from '../support/start.ts';

/** Keywords whose value is one subschema, an array of them, or a map of them (2020-12). */
const ONE_SCHEMA = [
  'items',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'not',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
];
const SCHEMA_LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SCHEMA_MAP = ['properties', 'patternProperties', 'dependentSchemas', '$defs'];

interface Example {
  /** Where the example sits, for messages. */
  readonly where: string;
  readonly value: unknown;
  /** JSON pointer parts of the schema it must satisfy. */
  readonly schemaAt: readonly string[];
}

/** The examples of one schema and of every schema inside it. */
function* schemaExamples(schema: unknown, at: readonly string[]): Generator<Example> {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return;
  const node = schema as JsonObject;
  const where = at.join('/');
  if (node.example !== undefined) yield { where, value: node.example, schemaAt: at };
  if (Array.isArray(node.examples)) {
    for (const [index, value] of node.examples.entries()) {
      yield { where: `${where}/examples/${index}`, value, schemaAt: at };
    }
  }
  for (const key of ONE_SCHEMA) yield* schemaExamples(node[key], [...at, key]);
  for (const key of SCHEMA_LIST) {
    const list = node[key];
    if (!Array.isArray(list)) continue;
    for (const [index, item] of list.entries()) {
      yield* schemaExamples(item, [...at, key, String(index)]);
    }
  }
  for (const key of SCHEMA_MAP) {
    const map = node[key];
    if (map === null || typeof map !== 'object') continue;
    for (const [name, item] of Object.entries(map)) yield* schemaExamples(item, [...at, key, name]);
  }
}

/** Every example in the document, each with the schema it belongs to. */
function* documentExamples(document: OpenApiDocument): Generator<Example> {
  const schemas = (document.components?.schemas ?? {}) as JsonObject;
  for (const [name, schema] of Object.entries(schemas)) {
    yield* schemaExamples(schema, ['components', 'schemas', name]);
  }
  for (const [method, path, operation] of operationsOf(document)) {
    const base = ['paths', path, method];
    for (const [index, parameter] of (operation.parameters ?? []).entries()) {
      if ('$ref' in parameter) continue;
      const at = [...base, 'parameters', String(index), 'schema'];
      if (parameter.example !== undefined) {
        yield {
          where: `${method} ${path} ${parameter.name}`,
          value: parameter.example,
          schemaAt: at,
        };
      }
      yield* schemaExamples(parameter.schema, at);
    }
    const media: [string[], string, { schema?: JsonObject; example?: unknown }][] = [];
    for (const [type, content] of Object.entries(operation.requestBody?.content ?? {})) {
      media.push([[...base, 'requestBody', 'content', type], `${method} ${path} body`, content]);
    }
    for (const [status, response] of Object.entries(operation.responses)) {
      if ('$ref' in response) continue;
      for (const [type, content] of Object.entries(response.content ?? {})) {
        media.push([
          [...base, 'responses', status, 'content', type],
          `${method} ${path} ${status}`,
          content,
        ]);
      }
    }
    for (const [at, where, content] of media) {
      if (content.example !== undefined) {
        yield { where, value: content.example, schemaAt: [...at, 'schema'] };
      }
      yield* schemaExamples(content.schema, [...at, 'schema']);
    }
  }
}

/** The strings of a JSON value, at any depth. */
function* stringsOf(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* stringsOf(item);
  else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) yield* stringsOf(item);
  }
}

describe('the examples of the service’s OpenAPI document', () => {
  let service: StartedService;
  let document: OpenApiDocument;
  let documentId: string;

  before(async () => {
    service = await startService();
    const text = await (await fetch(`${service.url}/openapi.json`)).text();
    document = JSON.parse(text) as OpenApiDocument;
    documentId = registerDocument(document, documentHash(text));
  });
  after(() => service.close());

  /** Every JSON request body as `[label, media type object]`. */
  const jsonBodies = () =>
    operationsOf(document).flatMap(([method, path, operation]) =>
      Object.entries(operation.requestBody?.content ?? {})
        .filter(([type]) => isJsonMedia(mediaEssence(type)))
        .map(([type, content]) => ({ method, path, type, content })),
    );

  test('every JSON request body has an example', () => {
    const bodies = jsonBodies();
    assert.ok(bodies.length >= 24, `${bodies.length} JSON request bodies`);
    const missing = bodies
      .filter(({ content }) => content.example === undefined)
      .map(({ method, path, type }) => `${method.toUpperCase()} ${path} (${type})`);
    assert.deepEqual(missing, [], 'request bodies without an example');
  });

  test('every successful JSON response has an example', () => {
    const responses = operationsOf(document).flatMap(([method, path, operation]) =>
      Object.entries(operation.responses)
        .filter(([status]) => /^2\d\d$/.test(status))
        .flatMap(([status, response]) =>
          '$ref' in response
            ? []
            : Object.entries(response.content ?? {})
                .filter(([type]) => isJsonMedia(mediaEssence(type)))
                .map(([type, content]) => ({ method, path, status, type, content })),
        ),
    );
    assert.ok(responses.length >= 70, `${responses.length} successful JSON responses`);
    const missing = responses
      .filter(({ content }) => content.example === undefined)
      .map(
        ({ method, path, status, type }) => `${method.toUpperCase()} ${path} ${status} (${type})`,
      );
    assert.deepEqual(missing, [], 'successful responses without an example');
  });

  test('every example validates against its own schema, and none is a placeholder', () => {
    const examples = [...documentExamples(document)];
    assert.ok(examples.length >= 60, `${examples.length} examples`);
    const failures: string[] = [];
    for (const { where, value, schemaAt } of examples) {
      const validate = validatorAt(documentId, schemaAt);
      if (!validate(value)) failures.push(`${where}: ${describeErrors(validate.errors)}`);
      for (const text of stringsOf(value)) {
        if (text === 'string') failures.push(`${where}: the placeholder "string"`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test('the server’s own validation takes every request body example', async () => {
    // The document cannot say everything the schemas check (the password
    // policy's list of common passwords, cross-member rules), so each
    // example also goes through the zod schema the route validates with.
    const bodies = new Map<string, z.ZodType>();
    for (const record of service.app.routes()) {
      const body = record.options.schema?.body;
      if (body !== undefined) {
        bodies.set(`${record.method.toLowerCase()} ${toOpenApiPath(record.pattern)}`, body);
      }
    }
    const refused: string[] = [];
    for (const { method, path, content } of jsonBodies()) {
      const schema = bodies.get(`${method} ${path}`);
      assert.ok(schema, `${method} ${path} has a body schema`);
      const result = await schema.safeParseAsync(content.example);
      if (!result.success) refused.push(`${method} ${path}: ${result.error.message}`);
    }
    assert.deepEqual(refused, []);
  });
});
