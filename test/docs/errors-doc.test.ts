// docs/errors.md and the error registries must list the same codes with the
// same statuses: a code added without documentation, or documented and then
// removed from the code, fails here.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { errorCatalog } from '../../src/wiring/error-catalog.ts';

test('docs/errors.md documents exactly the registered codes', async () => {
  const markdown = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Map<string, number>();
  for (const match of markdown.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    assert.ok(!documented.has(match[1]!), `${match[1]} is documented twice`);
    documented.set(match[1]!, Number(match[2]));
  }
  const registered = new Map<string, number>();
  for (const { registry } of errorCatalog) {
    for (const [code, spec] of Object.entries(registry)) {
      assert.ok(!registered.has(code), `${code} is registered by two modules`);
      registered.set(code, spec.status);
    }
  }
  assert.deepEqual(
    [...documented].sort(([a], [b]) => a.localeCompare(b)),
    [...registered].sort(([a], [b]) => a.localeCompare(b)),
  );
});

test('every code is prefixed by its module', () => {
  for (const { module, registry } of errorCatalog) {
    for (const code of Object.keys(registry)) {
      const prefix = `${module.toUpperCase().replaceAll('-', '_')}_`;
      assert.ok(code.startsWith(prefix), `${code} should start with ${prefix}`);
    }
  }
});
