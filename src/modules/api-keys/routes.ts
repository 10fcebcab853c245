// The signed-in user's API keys. Every route needs `credentials:manage`,
// which no API key can carry: a key can neither mint more keys nor revoke
// them, so a leaked key cannot entrench itself. Responses are `no-store`:
// the creation's carries the key itself.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import { actorOf } from '../../http/pipeline/actor.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import { apiKeyCreation, apiKeyList, createdApiKey } from './schemas.ts';
import type { ApiKeysService } from './service.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';

export function registerApiKeysRoutes(app: App, apiKeys: ApiKeysService): void {
  app.group('/api/v1', { tags: ['api-keys'], errors: DATABASE_ERRORS }, (v1) => {
    v1.route({
      method: 'POST',
      path: '/me/api-keys',
      permissions: ['credentials:manage'],
      operationId: 'createApiKey',
      summary: 'Create an API key',
      description:
        'The key itself is in this response only: store it now. Its scopes must be permissions your role holds, and never credentials:manage (422 API_KEYS_SCOPE_NOT_ALLOWED names each refused scope). Not available to API keys.',
      errors: ['API_KEYS_SCOPE_NOT_ALLOWED'],
      schema: {
        body: apiKeyCreation,
        responses: { 201: { description: 'Created', schema: createdApiKey } },
      },
      handler: async (c) => {
        const created = await apiKeys.create(actorOf(c), c.input.body);
        c.set('cache-control', cacheControl.noStore);
        c.created(`/api/v1/me/api-keys/${created.id}`, created);
      },
    });

    v1.route({
      method: 'GET',
      path: '/me/api-keys',
      permissions: ['credentials:manage'],
      operationId: 'listApiKeys',
      summary: 'Your API keys',
      description:
        "Newest first, revoked and expired ones included; only each key's prefix is shown, never the key.",
      schema: { responses: { 200: apiKeyList } },
      handler: async (c) => {
        const data = await apiKeys.list(actorOf(c));
        c.set('cache-control', cacheControl.noStore);
        return { data };
      },
    });

    v1.route({
      method: 'DELETE',
      path: '/me/api-keys/:id',
      permissions: ['credentials:manage'],
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key',
      description:
        'Idempotent: revoking a key that is already revoked is a 204 too. A key that is not yours is 404 API_KEYS_NOT_FOUND.',
      errors: ['API_KEYS_NOT_FOUND'],
      schema: {
        params: z.strictObject({ id: bigintId }),
        responses: { 204: { description: 'Revoked' } },
      },
      handler: async (c) => {
        await apiKeys.revoke(actorOf(c), c.input.params.id);
        c.noContent();
      },
    });
  });
}
