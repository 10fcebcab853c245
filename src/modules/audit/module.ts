// Audit: the tamper-evident trail every module records security-relevant
// actions to (a hash chain), and the administrators' view of it. The root
// builds the trail once (`createAudit`) and hands modules its sink.

import type { SqlDatabase } from '../../ports/sql.ts';
import type { AuditSink } from '../../ports/audit.ts';
import { defineModule } from '../contract.ts';
import type { JsonObject } from './chain.ts';
import { registerAuditRoutes } from './routes.ts';
import { createAuditService, type AuditService } from './service.ts';
import type { AuditTables } from './tables.ts';

export interface Audit {
  readonly log: AuditService;
  /** What services record to. */
  readonly sink: AuditSink;
}

export function createAudit(sql: SqlDatabase<AuditTables>): Audit {
  const log = createAuditService({ sql });
  return {
    log,
    sink: {
      async record(entry) {
        await log.record({ ...entry, details: entry.details as JsonObject | undefined });
      },
    },
  };
}

export const auditModule = defineModule({
  name: 'audit',
  routes(app, context: { readonly auditLog: AuditService }) {
    registerAuditRoutes(app, context.auditLog);
  },
});
