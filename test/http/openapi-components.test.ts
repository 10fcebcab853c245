// The whole service's OpenAPI document is self-contained: every `$ref`
// resolves inside it, named schemas live in components.schemas, and request
// bodies reject unknown members at every level (additionalProperties: false).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startService, type StartedService } from '../support/start.ts';

type Json = Record<string, unknown>;

function* walk(node: unknown, path: string): Generator<[string, Json]> {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) yield* walk(item, `${path}/${index}`);
  } else if (node !== null && typeof node === 'object') {
    yield [path, node as Json];
    for (const [key, item] of Object.entries(node)) yield* walk(item, `${path}/${key}`);
  }
}

function resolve(document: Json, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], document);
}

describe('the OpenAPI document of the service', () => {
  let service: StartedService;
  let document: Json;

  before(async () => {
    service = await startService();
    document = (await (await fetch(`${service.url}/openapi.json`)).json()) as Json;
  });
  after(() => service.close());

  test('every $ref resolves within the document; no local $defs remain', () => {
    let refs = 0;
    for (const [path, node] of walk(document, '#')) {
      assert.equal(node.$defs, undefined, `$defs at ${path}`);
      if (typeof node.$ref === 'string') {
        refs += 1;
        assert.ok(node.$ref.startsWith('#/'), `${path}: ${node.$ref}`);
        assert.notEqual(resolve(document, node.$ref), undefined, `${path}: ${node.$ref}`);
      }
    }
    assert.ok(refs > 50);
    const schemas = (document.components as Json).schemas as Json;
    for (const name of ['Order', 'Money', 'User', 'TokenPair']) assert.ok(schemas[name], name);
  });

  test('request bodies refuse unknown members at every object level', () => {
    const paths = document.paths as Record<string, Record<string, Json>>;
    let bodies = 0;
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const content = (operation.requestBody as Json | undefined)?.content as Json | undefined;
        const schema = (content?.['application/json'] as Json | undefined)?.schema;
        if (schema === undefined) continue;
        bodies += 1;
        for (const [at, node] of walk(schema, `${method} ${path}`)) {
          let target = node;
          if (typeof node.$ref === 'string') target = resolve(document, node.$ref) as Json;
          if (target.type === 'object' && target.properties !== undefined) {
            assert.equal(target.additionalProperties, false, at);
          }
        }
      }
    }
    assert.ok(bodies > 15);
  });
});
