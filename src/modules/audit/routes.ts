// The audit log for administrators: browse it, and verify its hash chain.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/cache-control.ts';
import { auditEntry, auditListQuery } from './schemas.ts';
import type { AuditService } from './service.ts';

const auditPage = z.strictObject({
  data: z.array(auditEntry),
  links: z.strictObject({ next: z.string().nullable() }),
});

const verification = z
  .strictObject({
    ok: z.boolean(),
    count: z.number().int().optional(),
    brokenAt: z.string().optional(),
    reason: z.string().optional(),
  })
  .meta({ id: 'AuditVerification' });

export function registerAuditRoutes(app: App, audit: AuditService): void {
  app.group('/api/v1/admin/audit', { tags: ['admin'], permissions: ['audit:read'] }, (group) => {
    group.route({
      method: 'GET',
      path: '',
      summary: 'Audit log entries, newest first',
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
      summary: 'Re-compute the hash chain; reports the first entry that was tampered with',
      schema: { responses: { 200: verification } },
      handler: async (c) => {
        const result = await audit.verify();
        c.set('cache-control', cacheControl.noStore);
        return result.ok
          ? { ok: true, count: result.count }
          : { ok: false, brokenAt: result.brokenAt, reason: result.reason };
      },
    });
  });
}
