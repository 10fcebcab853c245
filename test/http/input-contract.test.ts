// The OpenAPI document and the server agree on what input is valid. Each
// case below is judged twice: by the document (its request schema, compiled
// with Ajv as any client generator would) and by the running service. A body
// the document allows must not be refused as invalid, and a body the server
// refuses must be one the document already rules out — same verdict, and the
// server's one 422 names exactly the expected fields.
//
// Covered: the password policy in the schemas (sign-up, reset, change),
// email formats, exactly one MFA factor, empty changes, duplicate list items,
// merge-patch nulls, empty cursors, held currencies, If-Match (required in the
// document, 428 on the wire), and NUL characters in the new schemas.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { HELD_CURRENCIES } from '../../src/modules/payments/money.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { startService, type StartedService } from '../support/start.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking a JSON document
type Json = Record<string, any>;

interface Problem {
  code: string;
  detail?: string;
  errors?: { field: string; in: string; code: string }[];
}

interface Case {
  readonly what: string;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /** The document's verdict, and the server's: valid input is not refused as such. */
  readonly valid: boolean;
  /** For invalid input: the 422's errors as `in.field:code`, in any order. */
  readonly errors?: readonly string[];
  readonly token?: string;
  readonly headers?: () => Promise<Record<string, string>> | Record<string, string>;
}

const JSON_MEDIA = 'application/json';
const MERGE_PATCH = 'application/merge-patch+json';
const PASSWORD = 'correct horse battery staple';

// ajv-formats is CommonJS: under ESM its plugin is the default export's `default`.
const addFormats = addFormatsModule.default;

const pointer = (...parts: string[]) =>
  `openapi.json#/${parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;

describe('the document and the server agree on input', () => {
  let service: StartedService;
  let api: ApiClient;
  let doc: Json;
  let ajv: Ajv2020;
  let admin: string;
  /** A user of this suite's own, whose password may be changed. */
  let own: string;

  before(async () => {
    service = await startService();
    api = apiClient(service.url);
    doc = (await (await api.call('/openapi.json')).json()) as Json;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'openapi.json', paths: doc.paths, components: doc.components });
    admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password)).accessToken;
    const email = unique('contract');
    await api.register(email, PASSWORD);
    own = (await api.login(email, PASSWORD)).accessToken;
  });

  after(() => service.close());

  /** The operation at a documented path (`/api/v1/products/{id}`). */
  const operation = (method: string, path: string): Json => {
    const found = doc.paths[path]?.[method.toLowerCase()] as Json | undefined;
    assert.ok(found, `${method} ${path} is in the document`);
    return found;
  };

  const bodyValidator = (method: string, path: string, media: string): ValidateFunction => {
    const template = Object.keys(doc.paths).find((candidate) =>
      new RegExp(`^${candidate.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
    );
    assert.ok(template, `${path} matches a documented path`);
    operation(method, template);
    return ajv.getSchema(
      pointer('paths', template, method.toLowerCase(), 'requestBody', 'content', media, 'schema'),
    )!;
  };

  async function judge(cases: readonly Case[]): Promise<void> {
    for (const c of cases) {
      const media =
        c.method === 'PATCH' && c.path.includes('/products/') ? MERGE_PATCH : JSON_MEDIA;
      const validate = bodyValidator(c.method, c.path, media);
      assert.equal(
        validate(c.body),
        c.valid,
        `document on ${c.what}: ${ajv.errorsText(validate.errors)}`,
      );
      const res = await api.call(c.path, {
        method: c.method,
        token: c.token ?? admin,
        json: c.body,
        headers: { 'content-type': media, ...(await c.headers?.()) },
      });
      const text = await res.text();
      const problem = (text.startsWith('{') ? JSON.parse(text) : {}) as Problem;
      const refused = res.status === 422 && problem.code === 'HTTP_VALIDATION_FAILED';
      assert.equal(!refused, c.valid, `server on ${c.what}: ${res.status} ${text}`);
      if (c.errors !== undefined) {
        assert.deepEqual(
          (problem.errors ?? []).map((e) => `${e.in}.${e.field}:${e.code}`).sort(),
          [...c.errors].sort(),
          c.what,
        );
      }
    }
  }

  const etagOf = async (id: string) => {
    const res = await api.call(`/api/v1/products/${id}`);
    await res.body?.cancel();
    return { 'if-match': res.headers.get('etag')! };
  };

  test('sign-up: one 422 lists the email and the password problems; the policy is documented', async () => {
    const register = (what: string, body: unknown, valid: boolean, errors?: string[]): Case => ({
      what,
      method: 'POST',
      path: '/api/v1/auth/register',
      body,
      valid,
      ...(errors === undefined ? {} : { errors }),
    });
    await judge([
      register('the fuzzer’s body', { email: 'nope', password: '1' }, false, [
        'body.email:invalid_format',
        'body.password:too_short',
      ]),
      register('11 characters', { email: unique('p11'), password: 'a'.repeat(11) }, false, [
        'body.password:too_short',
      ]),
      register('12 characters', { email: unique('p12'), password: 'a'.repeat(12) }, true),
      // Code points, not UTF-16 units: six emoji are twelve units but six characters.
      register('6 emoji', { email: unique('e6'), password: '😀'.repeat(6) }, false, [
        'body.password:too_short',
      ]),
      register('12 emoji', { email: unique('e12'), password: '😀'.repeat(12) }, true),
      register('257 characters', { email: unique('p257'), password: 'a'.repeat(257) }, false, [
        'body.password:too_long',
      ]),
      register('a NUL', { email: unique('nul'), password: `${PASSWORD}\u0000` }, false, [
        'body.password:invalid_format',
      ]),
    ]);
    const schema = operation('POST', '/api/v1/auth/register').requestBody.content[JSON_MEDIA]
      .schema as Json;
    assert.equal(schema.properties.password.minLength, 12);
    assert.equal(schema.properties.password.maxLength, 256);
    assert.match(schema.properties.password.description, /12 to 256 characters.*common.*email/);
  });

  test('sign-up: the rules the document states in words are refused in the same 422', async () => {
    const res = await api.call('/api/v1/auth/register', {
      method: 'POST',
      json: { email: 'nope', password: 'Password1234' },
    });
    const problem = (await res.json()) as Problem;
    assert.equal(res.status, 422);
    assert.deepEqual(problem.errors?.map((e) => `${e.field}:${e.code}`).sort(), [
      'email:invalid_format',
      'password:too_common',
    ]);
    const email = unique('same');
    const same = await api.call('/api/v1/auth/register', {
      method: 'POST',
      json: { email, password: email.toUpperCase() },
    });
    assert.deepEqual(
      ((await same.json()) as Problem).errors?.map((e) => `${e.field}:${e.code}`),
      ['password:same_as_email'],
    );
  });

  test('reset and change: a new password meets the policy in the schema', async () => {
    await judge([
      {
        what: 'reset, short',
        method: 'POST',
        path: '/api/v1/auth/password/reset',
        body: { token: 'x', password: 'short' },
        valid: false,
        errors: ['body.password:too_short'],
      },
      {
        what: 'reset, long enough (the token is then refused)',
        method: 'POST',
        path: '/api/v1/auth/password/reset',
        body: { token: 'x', password: 'long enough password' },
        valid: true,
      },
      {
        what: 'change, short and common',
        method: 'POST',
        path: '/api/v1/me/password',
        body: { currentPassword: PASSWORD, newPassword: 'short' },
        valid: false,
        errors: ['body.newPassword:too_short'],
        token: own,
      },
      {
        what: 'change, a current password of any length is fine',
        method: 'POST',
        path: '/api/v1/me/password',
        body: { currentPassword: 'x', newPassword: 'a new long password' },
        valid: true,
        token: own,
      },
    ]);
    const reset = operation('POST', '/api/v1/auth/password/reset').requestBody.content[JSON_MEDIA]
      .schema as Json;
    assert.equal(reset.properties.password.minLength, 12);
    const change = operation('POST', '/api/v1/me/password').requestBody.content[JSON_MEDIA]
      .schema as Json;
    assert.equal(change.properties.newPassword.minLength, 12);
    assert.equal(change.properties.currentPassword.minLength, 1);
  });

  test('every email the API takes is documented as format email and checked as one', async () => {
    const found: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) {
        node.forEach((item, i) => {
          walk(item, `${where}/${i}`);
        });
        return;
      }
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node as Json)) {
        if (key === 'email' && where.endsWith('/properties')) {
          found.push(where);
          assert.equal((value as Json).format, 'email', where);
        }
        walk(value, `${where}/${key}`);
      }
    };
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        walk((op as Json).requestBody, `${method} ${path}`);
        for (const parameter of ((op as Json).parameters ?? []) as Json[]) {
          if (parameter.name === 'email') {
            found.push(`${method} ${path} ${parameter.in}.email`);
            assert.equal(parameter.schema.format, 'email', path);
          }
        }
      }
    }
    // Sign-up, sign-in (token and session), forgotten password, suppressions (body and path).
    assert.ok(found.length >= 6, found.join('\n'));
    await judge([
      {
        what: 'forgot, not an address',
        method: 'POST',
        path: '/api/v1/auth/password/forgot',
        body: { email: 'not-an-address' },
        valid: false,
        errors: ['body.email:invalid_format'],
      },
      {
        what: 'forgot, an address',
        method: 'POST',
        path: '/api/v1/auth/password/forgot',
        body: { email: 'someone@example.com' },
        valid: true,
      },
      {
        what: 'suppression, a NUL',
        method: 'POST',
        path: '/api/v1/admin/mail/suppressions',
        body: { email: 'a\u0000b@example.com' },
        valid: false,
        errors: ['body.email:invalid_format'],
      },
    ]);
    // What was accepted before still is: surrounding blanks and capitals are normalised.
    const email = unique('Mixed');
    const created = await api.register(`  ${email.toUpperCase()} `, PASSWORD);
    assert.equal(created.email, email.toLowerCase());
  });

  test('MFA: exactly one factor (a passkey only at sign-in), in the schema and the document', async () => {
    for (const path of ['/api/v1/auth/login/mfa', '/api/v1/auth/session/mfa']) {
      const schema = operation('POST', path).requestBody.content[JSON_MEDIA].schema as Json;
      assert.deepEqual(schema.oneOf, [
        { required: ['code'] },
        { required: ['recoveryCode'] },
        { required: ['passkey'] },
      ]);
    }
    const disable = operation('POST', '/api/v1/me/mfa/disable').requestBody.content[JSON_MEDIA]
      .schema as Json;
    assert.deepEqual(disable.oneOf, [{ required: ['code'] }, { required: ['recoveryCode'] }]);
    const login = (what: string, body: unknown, valid: boolean, errors?: string[]): Case => ({
      what,
      method: 'POST',
      path: '/api/v1/auth/login/mfa',
      body,
      valid,
      ...(errors === undefined ? {} : { errors }),
    });
    await judge([
      login('neither', { mfaToken: 'm' }, false, ['body.code:required']),
      login('nothing at all', {}, false, ['body.mfaToken:required', 'body.code:required']),
      login('both', { mfaToken: 'm', code: '123456', recoveryCode: 'abcd-efgh-jkmn' }, false, [
        'body.recoveryCode:exclusive',
      ]),
      login('a code', { mfaToken: 'm', code: '123456' }, true),
      login('a recovery code', { mfaToken: 'm', recoveryCode: 'abcd-efgh-jkmn' }, true),
      login(
        'a recovery code with a NUL',
        { mfaToken: 'm', recoveryCode: 'abcd-efgh\u0000jkmn' },
        false,
        ['body.recoveryCode:invalid_format'],
      ),
      {
        what: 'disable, both',
        method: 'POST',
        path: '/api/v1/me/mfa/disable',
        body: { code: '123456', recoveryCode: 'abcd-efgh-jkmn' },
        valid: false,
        errors: ['body.recoveryCode:exclusive'],
        token: own,
      },
    ]);
  });

  test('an empty change is refused, and every PATCH body says minProperties 1', async () => {
    let patches = 0;
    for (const item of Object.values(doc.paths as Json)) {
      const patch = (item as Json).patch as Json | undefined;
      if (patch === undefined) continue;
      patches++;
      for (const content of Object.values(patch.requestBody.content as Json)) {
        const schema = (content as Json).schema as Json;
        const resolved =
          schema.$ref === undefined ? schema : doc.components.schemas[schema.$ref.split('/').pop()];
        assert.equal(resolved.minProperties, 1, JSON.stringify(schema));
      }
    }
    assert.ok(patches >= 3, `${patches} PATCH operations`);
    await judge([
      {
        what: 'me, {}',
        method: 'PATCH',
        path: '/api/v1/me',
        body: {},
        valid: false,
        errors: ['body.:empty'],
        token: own,
      },
      {
        what: 'me, a name',
        method: 'PATCH',
        path: '/api/v1/me',
        body: { displayName: 'Ann' },
        valid: true,
        token: own,
      },
      {
        what: 'me, an unknown member (not an empty change)',
        method: 'PATCH',
        path: '/api/v1/me',
        body: { colour: 'red' },
        valid: false,
        errors: ['body.colour:unknown_field'],
        token: own,
      },
      {
        what: 'product, {}',
        method: 'PATCH',
        path: '/api/v1/products/1',
        body: {},
        valid: false,
        errors: ['body.:empty'],
        headers: () => etagOf('1'),
      },
      {
        what: 'webhook endpoint, {}',
        method: 'PATCH',
        path: '/api/v1/webhooks/endpoints/999999',
        body: {},
        valid: false,
        errors: ['body.:empty'],
      },
      {
        what: 'webhook endpoint, one member (then not found)',
        method: 'PATCH',
        path: '/api/v1/webhooks/endpoints/999999',
        body: { enabled: false },
        valid: true,
      },
    ]);
  });

  test('lists that must not repeat an item say uniqueItems', async () => {
    const keys = operation('POST', '/api/v1/me/api-keys').requestBody.content[JSON_MEDIA]
      .schema as Json;
    assert.equal(keys.properties.scopes.uniqueItems, true);
    const webhook = doc.components.schemas.WebhookEndpointCreation as Json;
    assert.equal(webhook.properties.eventTypes.uniqueItems, true);
    const change = doc.components.schemas.WebhookEndpointChange as Json;
    assert.equal(change.properties.eventTypes.uniqueItems, true);
    await judge([
      {
        what: 'a scope twice',
        method: 'POST',
        path: '/api/v1/me/api-keys',
        body: { name: 'twice', scopes: ['profile:read', 'profile:read'] },
        valid: false,
        errors: ['body.scopes:duplicate'],
        token: own,
      },
      {
        what: 'two scopes',
        method: 'POST',
        path: '/api/v1/me/api-keys',
        body: { name: 'two', scopes: ['profile:read', 'profile:write'] },
        valid: true,
        token: own,
      },
      {
        what: 'an event type twice',
        method: 'POST',
        path: '/api/v1/webhooks/endpoints',
        body: { url: 'https://hooks.example.com/x', eventTypes: ['order.paid', 'order.paid'] },
        valid: false,
        errors: ['body.eventTypes:duplicate'],
      },
    ]);
  });

  test('merge patch: null only where a member may be removed', async () => {
    const patch = doc.components.schemas.ProductMergePatch as Json;
    for (const [name, property] of Object.entries(patch.properties as Json)) {
      const allowsNull = JSON.stringify(property).includes('"null"');
      assert.equal(allowsNull, name === 'description' || name === 'tags', name);
    }
    const product = (what: string, body: unknown, valid: boolean, errors?: string[]): Case => ({
      what,
      method: 'PATCH',
      path: '/api/v1/products/2',
      body,
      valid,
      headers: () => etagOf('2'),
      ...(errors === undefined ? {} : { errors }),
    });
    await judge([
      product('sku null', { sku: null }, false, ['body.sku:not_clearable']),
      product('price.amount null', { price: { amount: null } }, false, [
        'body.price.amount:not_clearable',
      ]),
      product('stock and title null', { stock: null, title: null }, false, [
        'body.stock:not_clearable',
        'body.title:not_clearable',
      ]),
      product('description null', { description: null }, true),
      product('tags null', { tags: null }, true),
    ]);
  });

  test('If-Match: required in the document with 412 and 428; 428 when it alone is missing', async () => {
    for (const method of ['put', 'patch', 'delete']) {
      const op = doc.paths['/api/v1/products/{id}'][method] as Json;
      const ifMatch = (op.parameters as Json[]).find((p) => p.name === 'if-match')!;
      assert.equal(ifMatch.in, 'header');
      assert.equal(ifMatch.required, true, method);
      assert.ok(op.responses['412'] && op.responses['428'], method);
    }
    const current = (await (await api.call('/api/v1/products/3')).json()) as Json;
    const replacement = {
      sku: current.sku,
      title: current.title,
      brand: current.brand.slug,
      category: current.category.slug,
      price: current.price,
      stock: current.stock,
    };
    const calls: [string, unknown, string][] = [
      ['DELETE', undefined, JSON_MEDIA],
      ['PUT', replacement, JSON_MEDIA],
      ['PATCH', { stock: 1 }, MERGE_PATCH],
    ];
    for (const [method, json, media] of calls) {
      const res = await api.call('/api/v1/products/3', {
        method,
        token: admin,
        ...(json === undefined ? {} : { json, headers: { 'content-type': media } }),
      });
      const problem = (await res.json()) as Problem;
      assert.equal(res.status, 428, `${method}: ${JSON.stringify(problem)}`);
      assert.equal(problem.code, 'HTTP_PRECONDITION_REQUIRED');
      assert.match(problem.detail ?? '', /If-Match/);
    }
    // With other problems as well, the one 422 lists them all, the header included.
    const both = await api.call('/api/v1/products/3', {
      method: 'PUT',
      token: admin,
      json: { ...replacement, stock: -1 },
    });
    const problem = (await both.json()) as Problem;
    assert.equal(both.status, 422);
    assert.deepEqual(problem.errors?.map((e) => `${e.in}.${e.field}:${e.code}`).sort(), [
      'body.stock:out_of_range',
      'headers.if-match:required',
    ]);
  });

  test('empty and NUL cursors are refused; the document says minLength 1', async () => {
    const lists = [
      ['/api/v1/products', 'after'],
      ['/api/v2/products', 'after'],
      ['/api/v1/admin/users', 'before'],
      ['/api/v1/orders', 'before'],
      ['/api/v1/admin/audit', 'before'],
      ['/api/v1/admin/mail/suppressions', 'before'],
      ['/api/v1/wallet/entries', 'before'],
      ['/api/v1/webhooks/deliveries', 'before'],
    ] as const;
    for (const [path, name] of lists) {
      const parameter = (operation('GET', path).parameters as Json[]).find((p) => p.name === name)!;
      const validate = ajv.compile(parameter.schema as Json);
      assert.equal(validate(''), false, `${path} ${name}: the document refuses the empty value`);
      const res = await api.call(`${path}?${name}=`, { token: admin });
      const problem = (await res.json()) as Problem;
      assert.equal(res.status, 422, path);
      assert.deepEqual(
        problem.errors?.map((e) => `${e.in}.${e.field}`),
        [`query.${name}`],
        path,
      );
    }
    const after = (operation('GET', '/api/v1/products').parameters as Json[]).find(
      (p) => p.name === 'after',
    )!;
    assert.equal(after.schema.minLength, 1);
    const nul = await api.call('/api/v1/products?after=a%00b');
    assert.equal(nul.status, 422);
    assert.deepEqual(
      ((await nul.json()) as Problem).errors?.map((e) => `${e.in}.${e.field}:${e.code}`),
      ['query.after:invalid_format'],
    );
  });

  test('currencies: only the ones wallets hold, as an enum', async () => {
    for (const path of ['/api/v1/wallet', '/api/v1/wallet/entries']) {
      const currency = (operation('GET', path).parameters as Json[]).find(
        (p) => p.name === 'currency',
      )!;
      assert.deepEqual(currency.schema.enum, [...HELD_CURRENCIES], path);
      const usd = await api.call(`${path}?currency=USD`, { token: own });
      assert.equal(usd.status, 422, path);
      assert.deepEqual(
        ((await usd.json()) as Problem).errors?.map((e) => `${e.in}.${e.field}:${e.code}`),
        ['query.currency:invalid_value'],
      );
      assert.equal((await api.call(`${path}?currency=EUR`, { token: own })).status, 200);
    }
    const money = doc.components.schemas.PositiveMoney as Json;
    assert.deepEqual(money.properties.currency.enum, [...HELD_CURRENCIES]);
    await judge([
      {
        what: 'a credit in USD',
        method: 'POST',
        path: '/api/v1/admin/wallets/1/credits',
        body: { amount: { amount: 100, currency: 'USD' } },
        valid: false,
        errors: ['body.amount.currency:invalid_value'],
        headers: () => ({ 'idempotency-key': randomUUID() }),
      },
    ]);
  });
});
