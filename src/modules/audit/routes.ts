// The audit log for administrators: browse it, and verify its hash chain.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';
import { auditEntry, auditListQuery } from './schemas.ts';
import type { AuditService } from './service.ts';

const auditPage = z
  .strictObject({
    data: z.array(auditEntry),
    links: z.strictObject({ next: z.string().nullable() }),
  })
  .meta({
    example: {
      data: [
        {
          id: '5120',
          occurredAt: '2026-12-07T09:12:00.118Z',
          actorId: '1',
          actorIp: '203.0.113.24',
          action: 'admin.role_changed',
          targetType: 'user',
          targetId: '7',
          outcome: 'success',
          details: { from: 'customer', to: 'editor' },
          hash: '9f2c4e71d0b83a5f6e1c27d94b08a3e5c6f17d2b4a90e85c3d61f7a2b4c9e0d8',
        },
        {
          id: '5119',
          occurredAt: '2026-12-07T09:10:41.503Z',
          actorId: '1',
          actorIp: '203.0.113.24',
          action: 'auth.login',
          targetType: null,
          targetId: null,
          outcome: 'success',
          details: {},
          hash: '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881',
        },
      ],
      links: { next: '/api/v1/admin/audit?limit=2&before=5119' },
    },
  });

const verification = z
  .strictObject({
    ok: z.boolean(),
    count: z.number().int().optional(),
    brokenAt: z.string().optional(),
    reason: z.string().optional(),
  })
  .meta({ id: 'AuditVerification', example: { ok: true, count: 5120 } });

export function registerAuditRoutes(app: App, audit: AuditService): void {
  app.group(
    '/api/v1/admin/audit',
    { tags: ['admin'], permissions: ['audit:read'], errors: DATABASE_ERRORS },
    (group) => {
      group.route({
        method: 'GET',
        path: '',
        operationId: 'listAuditEntries',
        summary: 'List audit log entries',
        description:
          'Security-relevant actions (sign-ins, role changes, credits, replays …), newest first, optionally of one `action`, paged with `before` (follow links.next).',
        schema: { query: auditListQuery, responses: { 200: auditPage } },
        handler: async (c) => {
          const page = await audit.list(c.input.query);
          c.set('cache-control', cacheControl.noStore);
          const next =
            page.nextBefore === undefined
              ? null
              : `/api/v1/admin/audit?limit=${c.input.query.limit}&before=${page.nextBefore}`;
          return { data: page.entries, links: { next } };
        },
      });

      group.route({
        method: 'GET',
        path: '/verify',
        operationId: 'verifyAuditChain',
        summary: 'Verify the audit log',
        description:
          'Recomputes the hash chain that links every entry to the one before. `ok` with the number of entries checked, or the first entry that was changed or removed and why.',
        schema: { responses: { 200: verification } },
        handler: async (c) => {
          const result = await audit.verify();
          c.set('cache-control', cacheControl.noStore);
          return result.ok
            ? { ok: true, count: result.count }
            : { ok: false, brokenAt: result.brokenAt, reason: result.reason };
        },
      });
    },
  );
}
