// Profile and user administration routes. Permissions are declared here, next
// to each route; ownership is checked in the service.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/cache-control.ts';
import { actorOf } from '../auth/authenticate.ts';
import { ROLES } from '../auth/rbac.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import { profilePatch, user } from './schemas.ts';
import type { UsersService } from './service.ts';

const userList = z.strictObject({
  data: z.array(user),
  meta: z.strictObject({ limit: z.number().int(), hasMore: z.boolean() }),
  links: z.strictObject({ self: z.string(), next: z.string().nullable() }),
});

export function registerUsersRoutes(app: App, users: UsersService): void {
  app.group('/api/v1', { tags: ['users'] }, (v1) => {
    v1.route({
      method: 'GET',
      path: '/me',
      permissions: ['profile:read'],
      summary: 'The signed-in user',
      schema: { responses: { 200: user } },
      handler: async (c) => {
        c.set('cache-control', cacheControl.privateNoCache);
        return users.get(actorOf(c), actorOf(c).id);
      },
    });

    v1.route({
      method: 'PATCH',
      path: '/me',
      permissions: ['profile:write'],
      summary: 'Change the signed-in user’s profile',
      schema: { body: profilePatch, responses: { 200: user } },
      handler: (c) => users.updateProfile(actorOf(c), c.input.body),
    });

    v1.route({
      method: 'GET',
      path: '/users/:id',
      summary: 'Read a user (yourself, or anyone with users:read)',
      schema: { params: z.strictObject({ id: bigintId }), responses: { 200: user } },
      handler: async (c) => {
        c.set('cache-control', cacheControl.privateNoCache);
        return users.get(actorOf(c), c.input.params.id);
      },
    });

    v1.group('/admin', { tags: ['admin'] }, (admin) => {
      admin.route({
        method: 'GET',
        path: '/users',
        permissions: ['users:read'],
        summary: 'List users, newest first',
        schema: {
          query: z.strictObject({
            limit: z.coerce.number().int().min(1).max(100).default(20),
            before: bigintId.optional(),
          }),
          responses: { 200: userList },
        },
        handler: async (c) => {
          const { limit, before } = c.input.query;
          const page = await users.list({ limit: limit + 1, before });
          const hasMore = page.length > limit;
          const data = page.slice(0, limit);
          const self = `/api/v1/admin/users?limit=${limit}${before === undefined ? '' : `&before=${before}`}`;
          c.set('cache-control', cacheControl.noStore);
          return {
            data,
            meta: { limit, hasMore },
            links: {
              self,
              next: hasMore ? `/api/v1/admin/users?limit=${limit}&before=${data.at(-1)!.id}` : null,
            },
          };
        },
      });

      admin.route({
        method: 'PUT',
        path: '/users/:id/role',
        permissions: ['users:roles'],
        summary: 'Change a user’s role (audited; their sessions are ended)',
        schema: {
          params: z.strictObject({ id: bigintId }),
          body: z.strictObject({ role: z.enum(ROLES) }),
          responses: { 200: user },
        },
        handler: (c) => users.changeRole(actorOf(c), c.input.params.id, c.input.body.role),
      });

      admin.route({
        method: 'DELETE',
        path: '/users/:id',
        permissions: ['users:delete'],
        summary: 'Delete a user (soft delete; their sessions are revoked)',
        schema: {
          params: z.strictObject({ id: bigintId }),
          responses: { 204: { description: 'Deleted' } },
        },
        handler: async (c) => {
          await users.delete(actorOf(c), c.input.params.id);
          c.noContent();
        },
      });
    });
  });
}
