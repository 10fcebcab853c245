// What the fuzz suite needs before it starts: callers of every kind
// (anonymous, admin and customer bearer tokens, an API key, a browser session
// with its CSRF token) and real objects whose ids the generated requests use
// next to random ones — a product, orders, users, an API key, a transfer, a
// webhook endpoint and its deliveries, a dead job, a suppressed address and
// list cursors. Generated requests may revoke a caller (sign out, delete a
// key); `revive` signs it in again before the next operation.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { DEMO_ACCOUNTS } from '../../../src/wiring/seed.ts';

const PASSWORD = 'fuzzing is how we find out';

export type PrincipalName = 'anonymous' | 'admin' | 'customer' | 'apiKey' | 'cookie';
export const PRINCIPALS: readonly PrincipalName[] = [
  'anonymous',
  'admin',
  'customer',
  'apiKey',
  'cookie',
];

/** Ids (and other keys) of real objects, by what they are. */
export interface Pools {
  readonly users: string[];
  readonly products: string[];
  readonly orders: string[];
  readonly apiKeys: string[];
  readonly transfers: string[];
  readonly endpoints: string[];
  readonly deliveries: string[];
  readonly deadJobs: string[];
  readonly queues: string[];
  readonly suppressed: string[];
  /** Cursors the server issued, by the list path that issued them. */
  readonly cursors: Record<string, string[]>;
}

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

export class Fixtures {
  readonly pools: Pools = {
    users: [],
    products: [],
    orders: [],
    apiKeys: [],
    transfers: [],
    endpoints: [],
    deliveries: [],
    deadJobs: [],
    queues: [],
    suppressed: [],
    cursors: {},
  };
  readonly #base: string;
  #customerEmail = '';
  #customerId = '';
  #admin = '';
  #customer = '';
  #apiKey = '';
  #cookie = { cookie: '', csrf: '' };
  /** Callers that could not be signed in again (their requests are skipped). */
  readonly lost = new Set<PrincipalName>();

  constructor(baseUrl: string) {
    this.#base = baseUrl;
  }

  /** Request headers that authenticate `principal`. */
  headers(principal: PrincipalName): Record<string, string> {
    switch (principal) {
      case 'anonymous':
        return {};
      case 'admin':
        return { authorization: `Bearer ${this.#admin}` };
      case 'customer':
        return { authorization: `Bearer ${this.#customer}` };
      case 'apiKey':
        return { 'x-api-key': this.#apiKey };
      case 'cookie':
        // Same-origin as the browser page that got the session would be.
        return {
          cookie: this.#cookie.cookie,
          'x-csrf-token': this.#cookie.csrf,
          origin: new URL(this.#base).origin,
        };
    }
  }

  async #call(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; json?: unknown } = {},
  ): Promise<Reply> {
    const res = await fetch(`${this.#base}${path}`, {
      method,
      headers: {
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  }

  async #expect(
    status: number,
    method: string,
    path: string,
    init: { headers?: Record<string, string>; json?: unknown } = {},
  ): Promise<Record<string, unknown>> {
    const reply = await this.#call(method, path, init);
    assert.equal(reply.status, status, `${method} ${path}: ${JSON.stringify(reply.body)}`);
    return reply.body;
  }

  async #login(email: string, password: string): Promise<string> {
    const body = await this.#expect(200, 'POST', '/api/v1/auth/login', {
      json: { email, password },
    });
    return body.accessToken as string;
  }

  async #newApiKey(): Promise<string> {
    const body = await this.#expect(201, 'POST', '/api/v1/me/api-keys', {
      headers: this.headers('admin'),
      json: { name: 'fuzz caller', scopes: API_KEY_SCOPES },
    });
    return body.key as string;
  }

  async #register(label: string): Promise<{ id: string; email: string }> {
    const email = `fuzz-${label}-${randomUUID().slice(0, 8)}@example.com`;
    const body = await this.#expect(201, 'POST', '/api/v1/auth/register', {
      json: { email, password: PASSWORD },
    });
    return { id: body.id as string, email };
  }

  async setUp(): Promise<void> {
    const admin = DEMO_ACCOUNTS.admin;
    this.#admin = await this.#login(admin.email, admin.password);
    const customer = await this.#register('customer');
    this.#customerId = customer.id;
    this.#customerEmail = customer.email;
    this.#customer = await this.#login(customer.email, PASSWORD);
    // The customer signs in as a browser too: the cookie caller.
    await this.#newSession();
    this.#apiKey = await this.#newApiKey();
    for (const label of ['victim-a', 'victim-b'])
      this.pools.users.push((await this.#register(label)).id);
    // A key of the admin's that generated requests may revoke (not the caller's own).
    const victimKey = await this.#expect(201, 'POST', '/api/v1/me/api-keys', {
      headers: this.headers('admin'),
      json: { name: 'fuzz victim', scopes: ['profile:read'] },
    });
    this.pools.apiKeys.push(victimKey.id as string);
    await this.#commerce();
    await this.#operations();
  }

  async #newSession(): Promise<void> {
    const reply = await this.#call('POST', '/api/v1/auth/session', {
      headers: { origin: new URL(this.#base).origin },
      json: { email: this.#customerEmail, password: PASSWORD },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    this.#cookie = {
      cookie: (reply.headers.get('set-cookie') ?? '').split(';', 1)[0]!,
      csrf: reply.body.csrfToken as string,
    };
  }

  async #commerce(): Promise<void> {
    const admin = this.headers('admin');
    const customer = this.headers('customer');
    const receiver = await closedPort();
    const endpoint = await this.#expect(201, 'POST', '/api/v1/webhooks/endpoints', {
      headers: admin,
      json: {
        url: `http://127.0.0.1:${receiver}/hook`,
        eventTypes: ['order.placed', 'order.paid'],
      },
    });
    this.pools.endpoints.push(endpoint.id as string);
    const product = await this.#expect(201, 'POST', '/api/v1/products', {
      headers: admin,
      json: {
        sku: `FUZZ-${randomUUID().slice(0, 8)}`,
        title: 'Fuzz target',
        brand: 'acme',
        category: 'audio',
        price: { amount: 100, currency: 'EUR' },
        stock: 1_000_000,
      },
    });
    this.pools.products.push(product.id as string, '1', '2');
    await this.#expect(201, 'POST', `/api/v1/admin/wallets/${this.#customerId}/credits`, {
      headers: { ...admin, 'idempotency-key': randomUUID() },
      json: { amount: { amount: 10_000_000, currency: 'EUR' } },
    });
    for (let i = 0; i < 3; i += 1) {
      const order = await this.#expect(201, 'POST', '/api/v1/orders', {
        headers: { ...customer, 'idempotency-key': randomUUID() },
        json: { items: [{ productId: product.id, quantity: 1 }] },
      });
      this.pools.orders.push(order.id as string);
    }
    await this.#expect(200, 'POST', `/api/v1/orders/${this.pools.orders[0]!}/pay`, {
      headers: customer,
    });
    const transfer = await this.#expect(201, 'POST', '/api/v1/transfers', {
      headers: { ...customer, 'idempotency-key': randomUUID() },
      json: { toUserId: this.pools.users[0], amount: { amount: 1, currency: 'EUR' } },
    });
    this.pools.transfers.push(transfer.id as string);
    for (const path of ['/api/v1/products', '/api/v2/products']) {
      const list = await this.#expect(200, 'GET', `${path}?limit=2`);
      const next = (list.links as { next?: string | null }).next;
      const after = next === null || next === undefined ? null : new URL(next, this.#base);
      const cursor = after?.searchParams.get('after');
      if (cursor !== null && cursor !== undefined) (this.pools.cursors[path] ??= []).push(cursor);
    }
  }

  async #operations(): Promise<void> {
    const admin = this.headers('admin');
    const jobs = await this.#expect(200, 'GET', '/api/v1/admin/jobs', { headers: admin });
    for (const queue of jobs.data as { name: string }[]) this.pools.queues.push(queue.name);
    const suppressed = `fuzz-suppressed-${randomUUID().slice(0, 8)}@example.com`;
    await this.#expect(201, 'POST', '/api/v1/admin/mail/suppressions', {
      headers: admin,
      json: { email: suppressed },
    });
    this.pools.suppressed.push(suppressed);
    // Deliveries to the closed port fail on every attempt: wait a little for
    // them to be listed, and for one to run out of attempts (a dead job).
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const deliveries = await this.#expect(
        200,
        'GET',
        `/api/v1/webhooks/deliveries?endpointId=${this.pools.endpoints[0]!}`,
        { headers: admin },
      );
      for (const delivery of deliveries.data as { id: string }[]) {
        if (!this.pools.deliveries.includes(delivery.id)) this.pools.deliveries.push(delivery.id);
      }
      for (const queue of this.pools.queues) {
        const dead = await this.#expect(200, 'GET', `/api/v1/admin/jobs/${queue}/dead`, {
          headers: admin,
        });
        for (const job of dead.data as { id: string }[]) this.pools.deadJobs.push(job.id);
      }
      if (this.pools.deliveries.length > 0 && this.pools.deadJobs.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Signs in again every caller a generated request revoked (see `lost` for failures). */
  async revive(): Promise<void> {
    for (const principal of PRINCIPALS) {
      if (principal === 'anonymous' || this.lost.has(principal)) continue;
      const reply = await this.#call('GET', '/api/v1/me', { headers: this.headers(principal) });
      if (reply.status === 200) continue;
      try {
        if (principal === 'admin') {
          this.#admin = await this.#login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password);
        } else if (principal === 'customer') {
          this.#customer = await this.#login(this.#customerEmail, PASSWORD);
        } else if (principal === 'apiKey') {
          this.#apiKey = await this.#newApiKey();
        } else {
          await this.#newSession();
        }
      } catch {
        this.lost.add(principal);
      }
    }
  }
}

/** Every scope the document lists; an admin's key may carry them all. */
const API_KEY_SCOPES = [
  'profile:read',
  'profile:write',
  'orders:read:own',
  'orders:write:own',
  'orders:read:any',
  'orders:write:any',
  'catalog:write',
  'wallet:use',
  'wallets:credit',
  'users:read',
  'users:delete',
  'audit:read',
  'ops:read',
  'ops:write',
  'webhooks:manage',
  'mail:manage',
  'flags:manage',
];

/** A local port nothing listens on: webhook deliveries to it fail at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return port;
}
