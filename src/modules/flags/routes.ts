// The feature-flag admin API: list, read, create, change (the kill switch is
// `killed: true` in a change), delete. Admins only (`flags:manage`); every
// write is audited. Responses are `no-store`: a flag changes by the second.

import type { App } from '../../http/app.ts';
import { actorOf } from '../../http/pipeline/actor.ts';
import type { Context } from '../../http/pipeline/context.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';
import { EXAMPLE_FLAG, flag, flagChange, flagCreation, flagList, flagParams } from './schemas.ts';
import type { FlagsAdmin } from './service.ts';

const FLAGS = '/api/v1/admin/flags';

function noStore(c: Context): void {
  c.set('cache-control', cacheControl.noStore);
}

export function registerFlagsRoutes(app: App, flags: FlagsAdmin): void {
  app.group(
    FLAGS,
    { tags: ['flags'], permissions: ['flags:manage'], errors: DATABASE_ERRORS },
    (group) => {
      group.route({
        method: 'GET',
        path: '',
        operationId: 'listFeatureFlags',
        summary: 'List feature flags',
        description: 'Every flag, by key.',
        schema: { responses: { 200: flagList } },
        handler: async (c) => {
          noStore(c);
          return { data: await flags.list() };
        },
      });

      group.route({
        method: 'POST',
        path: '',
        operationId: 'createFeatureFlag',
        summary: 'Create a feature flag',
        description:
          'A boolean or multivariate flag: its variants, the targeting rules (by role or a cohort of user ids, first match wins), the percentage rollout (by a stable hash of flag key and user id) and the kill switch. Every instance serves it within about a second. Audited.',
        errors: ['FLAGS_ALREADY_EXISTS', 'FLAGS_INVALID_DEFINITION'],
        schema: {
          body: flagCreation,
          responses: {
            201: {
              description: 'Created',
              schema: flag.meta({
                example: {
                  ...EXAMPLE_FLAG,
                  description: '',
                  version: 1,
                  updatedAt: EXAMPLE_FLAG.createdAt,
                },
              }),
            },
          },
        },
        handler: async (c) => {
          const created = await flags.create(actorOf(c), c.input.body);
          noStore(c);
          c.created(`${FLAGS}/${created.key}`, created);
        },
      });

      group.route({
        method: 'GET',
        path: '/:key',
        operationId: 'getFeatureFlag',
        summary: 'Read a feature flag',
        description: 'One flag with its variants, rules, rollout, kill switch and version.',
        errors: ['FLAGS_NOT_FOUND'],
        schema: { params: flagParams, responses: { 200: flag } },
        handler: async (c) => {
          noStore(c);
          return flags.get(c.input.params.key);
        },
      });

      group.route({
        method: 'PATCH',
        path: '/:key',
        operationId: 'updateFeatureFlag',
        summary: 'Change a feature flag',
        description:
          'Changes the members sent and leaves the others; `killed: true` is the kill switch (the off variant for everyone, whatever the rules and rollout). Send `version` to refuse a change to a flag changed meanwhile (409). Audited.',
        errors: ['FLAGS_NOT_FOUND', 'FLAGS_INVALID_DEFINITION', 'FLAGS_VERSION_CONFLICT'],
        schema: {
          params: flagParams,
          body: flagChange,
          responses: {
            200: flag.meta({
              example: {
                ...EXAMPLE_FLAG,
                rollout: [{ variant: 'on', percent: 25 }],
                version: 4,
                updatedAt: '2026-12-07T10:15:00.000Z',
              },
            }),
          },
        },
        handler: async (c) => {
          noStore(c);
          return flags.update(actorOf(c), c.input.params.key, c.input.body);
        },
      });

      group.route({
        method: 'DELETE',
        path: '/:key',
        operationId: 'deleteFeatureFlag',
        summary: 'Delete a feature flag',
        description: 'Code asking for it gets its own default from then on. Audited.',
        errors: ['FLAGS_NOT_FOUND'],
        schema: { params: flagParams, responses: { 204: { description: 'Deleted' } } },
        handler: async (c) => {
          await flags.remove(actorOf(c), c.input.params.key);
          c.noContent();
        },
      });
    },
  );
}
