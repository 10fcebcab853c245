// Which address a request comes from, with and without trusted proxies:
// behind N proxies it is the N-th X-Forwarded-For entry from the right, so a
// client cannot choose its own address by sending the header itself.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createApp } from '../../src/http/app.ts';
import { silentLogger, start } from '../support/start.ts';

async function addressSeen(trustProxy: boolean | number, forwardedFor?: string): Promise<string> {
  const app = createApp({ logger: silentLogger(), trustProxy });
  app.get('/ip', (c) => ({ ip: c.remoteAddress }), { auth: 'public' });
  const server = await start(app.handler);
  try {
    const res = await fetch(`${server.url}/ip`, {
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    });
    return ((await res.json()) as { ip: string }).ip;
  } finally {
    await server.close();
    app.close();
  }
}

describe('client address', () => {
  test('without trusted proxies the header is ignored', async () => {
    assert.equal(await addressSeen(false, '203.0.113.9'), '127.0.0.1');
  });

  test('one trusted proxy: the entry it appended, not what the client sent', async () => {
    assert.equal(await addressSeen(true, '203.0.113.9'), '203.0.113.9');
    assert.equal(await addressSeen(1, '6.6.6.6, 203.0.113.9'), '203.0.113.9');
  });

  test('two trusted proxies: the second entry from the right', async () => {
    assert.equal(await addressSeen(2, '6.6.6.6, 203.0.113.9, 10.0.0.2'), '203.0.113.9');
  });

  test('fewer entries than hops: the leftmost; no header: the socket', async () => {
    assert.equal(await addressSeen(3, '203.0.113.9, 10.0.0.2'), '203.0.113.9');
    assert.equal(await addressSeen(2), '127.0.0.1');
  });
});
