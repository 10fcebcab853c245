// Profile and user administration routes. Permissions are declared here, next
// to each route; ownership is checked in the service.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import { actorOf } from '../../http/pipeline/actor.ts';
import { ROLES } from './rbac.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import { EXAMPLE_USER, profilePatch, user } from './schemas.ts';
import type { UsersService } from './service.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';
import { queryInteger } from '../../http/request/query-integer.ts';

const userList = z
  .strictObject({
    data: z.array(user),
    meta: z.strictObject({ limit: z.number().int(), hasMore: z.boolean() }),
    links: z.strictObject({ self: z.string(), next: z.string().nullable() }),
  })
  .meta({
    example: {
      data: [
        EXAMPLE_USER,
        {
          id: '6',
          email: 'raj@example.com',
          displayName: 'Raj Patel',
          role: 'editor',
          emailVerified: true,
          createdAt: '2026-10-28T13:02:44.000Z',
          updatedAt: '2026-10-28T13:02:44.000Z',
        },
      ],
      meta: { limit: 2, hasMore: true },
      links: {
        self: '/api/v1/admin/users?limit=2',
        next: '/api/v1/admin/users?limit=2&before=6',
      },
    },
  });

export function registerUsersRoutes(app: App, users: UsersService): void {
  app.group('/api/v1', { tags: ['users'], errors: DATABASE_ERRORS }, (v1) => {
    v1.route({
      method: 'GET',
      path: '/me',
      permissions: ['profile:read'],
      operationId: 'getCurrentUser',
      summary: 'The signed-in user',
      description:
        'The profile of whoever the credentials belong to, with their role and whether their email address is verified.',
      errors: ['USERS_NOT_FOUND'],
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
      operationId: 'updateCurrentUser',
      summary: 'Change your profile',
      description:
        'Changes the members sent and leaves the others as they are. Email and password have their own operations.',
      errors: ['USERS_NOT_FOUND'],
      schema: { body: profilePatch, responses: { 200: user } },
      handler: (c) => users.updateProfile(actorOf(c), c.input.body),
    });

    v1.route({
      method: 'GET',
      path: '/users/:id',
      operationId: 'getUser',
      summary: 'Read a user',
      description:
        'Yourself, or anyone with the users:read permission. A user you may not see is 404 USERS_NOT_FOUND, like one that does not exist.',
      errors: ['USERS_NOT_FOUND'],
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
        operationId: 'listUsers',
        summary: 'List users',
        description:
          'Newest first, paged with `before` (follow links.next). Deleted users are left out.',
        schema: {
          query: z.strictObject({
            limit: queryInteger(1, 100).default(20),
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
        operationId: 'changeUserRole',
        summary: 'Change a user’s role',
        description:
          'Audited. Every session of the user ends, so their next sign-in carries the new role; access tokens already issued keep the old one until they expire. Admins cannot change their own role (409 USERS_CANNOT_CHANGE_OWN_ROLE).',
        errors: ['USERS_NOT_FOUND', 'USERS_CANNOT_CHANGE_OWN_ROLE'],
        schema: {
          params: z.strictObject({ id: bigintId }),
          body: z.strictObject({ role: z.enum(ROLES) }).meta({ example: { role: 'editor' } }),
          responses: {
            200: user.meta({
              example: { ...EXAMPLE_USER, role: 'editor', updatedAt: '2026-12-07T09:12:00.000Z' },
            }),
          },
        },
        handler: (c) => users.changeRole(actorOf(c), c.input.params.id, c.input.body.role),
      });

      admin.route({
        method: 'DELETE',
        path: '/users/:id',
        permissions: ['users:delete'],
        operationId: 'deleteUser',
        summary: 'Delete a user',
        description:
          'A soft delete, audited: the account can no longer sign in and every session of it ends; its orders and ledger stay. Admins cannot delete themselves (409 USERS_CANNOT_DELETE_SELF).',
        errors: ['USERS_NOT_FOUND', 'USERS_CANNOT_DELETE_SELF'],
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
