// The trust endpoints as /openapi.json documents them: every one present,
// public ones with no security requirement, the rest accepting any of the
// three schemes (bearer token or key, X-API-Key, session cookie).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startService, type StartedService } from '../support/start.ts';

interface Operation {
  readonly security?: readonly Record<string, unknown>[];
}
interface Document {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly securitySchemes: Record<string, Record<string, unknown>> };
}

const PUBLIC = [
  'post /api/v1/auth/register',
  'post /api/v1/auth/login',
  'post /api/v1/auth/login/mfa',
  'post /api/v1/auth/refresh',
  'post /api/v1/auth/session',
  'post /api/v1/auth/session/mfa',
  'get /.well-known/jwks.json',
];

const PROTECTED = [
  'post /api/v1/auth/logout',
  'get /api/v1/auth/session',
  'delete /api/v1/auth/session',
  'get /api/v1/me',
  'patch /api/v1/me',
  'get /api/v1/me/mfa',
  'post /api/v1/me/mfa/totp',
  'post /api/v1/me/mfa/totp/confirm',
  'post /api/v1/me/mfa/disable',
  'get /api/v1/me/api-keys',
  'post /api/v1/me/api-keys',
  'delete /api/v1/me/api-keys/{id}',
  'get /api/v1/admin/users',
  'delete /api/v1/admin/users/{id}',
  'put /api/v1/admin/users/{id}/role',
  'get /api/v1/admin/audit',
];

describe('OpenAPI security of the trust endpoints', () => {
  let service: StartedService;
  let document: Document;

  before(async () => {
    service = await startService();
    document = (await (await fetch(`${service.url}/openapi.json`)).json()) as Document;
  });
  after(() => service.close());

  const operation = (key: string) => {
    const [method, path] = key.split(' ') as [string, string];
    const found = document.paths[path]?.[method];
    assert.ok(found, `${key} is documented`);
    return found;
  };

  test('declares the bearer, API-key and session-cookie schemes', () => {
    const schemes = document.components.securitySchemes;
    assert.deepEqual(schemes.bearerAuth?.scheme, 'bearer');
    assert.deepEqual([schemes.apiKey?.in, schemes.apiKey?.name], ['header', 'X-API-Key']);
    assert.deepEqual(
      [schemes.sessionCookie?.in, schemes.sessionCookie?.name],
      ['cookie', '__Host-session'],
    );
  });

  test('public endpoints need nothing', () => {
    for (const key of PUBLIC) assert.deepEqual(operation(key).security, [], key);
  });

  test('every other endpoint accepts any of the three schemes', () => {
    for (const key of PROTECTED) {
      assert.deepEqual(
        operation(key).security,
        [{ bearerAuth: [] }, { apiKey: [] }, { sessionCookie: [] }],
        key,
      );
    }
  });
});
