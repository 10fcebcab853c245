import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { EVENT_TYPES } from '../modules/events/outbox.ts';
import { errorCatalog } from './error-catalog.ts';
import { MODULES } from './modules.ts';
import { WORKED_QUEUES } from './workers.ts';

test('every module folder is in the root list once, under its folder name', async () => {
  const folders = (await readdir(new URL('../modules/', import.meta.url), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const names = MODULES.map((module) => module.name);
  assert.deepEqual([...names].sort(), folders);
  assert.equal(new Set(names).size, names.length);
});

test('every event type has exactly one publishing module', () => {
  const publishers = new Map<string, string[]>();
  for (const module of MODULES) {
    for (const type of module.events ?? []) {
      publishers.set(type, [...(publishers.get(type) ?? []), module.name]);
    }
  }
  assert.deepEqual([...publishers.keys()].sort(), [...EVENT_TYPES].sort());
  for (const [type, modules] of publishers)
    assert.equal(modules.length, 1, `${type}: ${modules.join(', ')}`);
});

test('no two modules work the same queue, and the dashboard lists each once', () => {
  assert.equal(new Set(WORKED_QUEUES).size, WORKED_QUEUES.length);
  for (const module of MODULES) {
    for (const queue of module.queues ?? []) assert.ok(WORKED_QUEUES.includes(queue), queue);
  }
});

test('no error code is declared by two registries', () => {
  const owners = new Map<string, string>();
  for (const { module, registry } of errorCatalog) {
    for (const code of Object.keys(registry)) {
      assert.equal(owners.get(code), undefined, `${code} in ${owners.get(code)} and ${module}`);
      owners.set(code, module);
    }
  }
});
