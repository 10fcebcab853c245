// Every log line is one JSON object whose keys each appear once. JSON allows
// a repeated key and parsers keep the last one silently, so a child logger
// that adds a field its parent already set (`component` twice, say) shows up
// only in the raw text: the lines are checked as written, before parsing.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../src/platform/logger.ts';
import { eventually } from '../support/eventually.ts';
import { startService, type StartedService } from '../support/start.ts';

/**
 * The keys of a JSON object's top level, repeats included, in order. Walks
 * the text once, skipping strings and nested values; the line must be one
 * object (JSON.parse has checked it).
 */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (char === '"') {
      let end = i + 1;
      while (line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(line.slice(i, end + 1)) as string);
      expectKey = false;
      i = end;
    } else if (char === '{' || char === '[') {
      depth++;
      expectKey = depth === 1;
    } else if (char === '}' || char === ']') {
      depth--;
    } else if (char === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

function repeated(keys: readonly string[]): string[] {
  return keys.filter((key, index) => keys.indexOf(key) !== index);
}

describe('log lines', () => {
  const lines: string[] = [];
  let service: StartedService;

  before(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (line.trim() !== '') lines.push(line);
        }
        callback();
      },
    });
    // The inline workers run the scheduler, the outbox relay and maintenance.
    service = await startService({ logger: createLogger({ level: 'debug', destination }) });
  });

  after(() => service.close());

  test('the key scanner sees repeats that JSON.parse hides', () => {
    const line = '{"a":1,"b":{"a":2,"c":[{"a":3}]},"s":"x\\",\\"a\\":","a":4}';
    assert.deepEqual(JSON.parse(line), { a: 4, b: { a: 2, c: [{ a: 3 }] }, s: 'x","a":' });
    assert.deepEqual(topLevelKeys(line), ['a', 'b', 's', 'a']);
    assert.deepEqual(repeated(topLevelKeys(line)), ['a']);
  });

  test('the scheduler and every other part write each key once', async () => {
    await eventually(
      'the scheduler logs that it ticks',
      () => lines.some((line) => line.includes('scheduler lock taken')),
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    await (await fetch(`${service.url}/livez`)).text();
    await eventually('the request is logged', () => lines.some((line) => line.includes('/livez')), {
      timeoutMs: 30_000,
    });
    const scheduler = lines.filter((line) => line.includes('scheduler lock taken'));
    for (const line of scheduler) {
      assert.equal((JSON.parse(line) as { component?: unknown }).component, 'scheduler');
    }
    for (const line of lines) {
      JSON.parse(line);
      assert.deepEqual(repeated(topLevelKeys(line)), [], line);
    }
  });
});
