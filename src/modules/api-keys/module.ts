// API keys: long-lived, scoped credentials for scripts and integrations,
// shown once and stored hashed. Checking them on a request is part of the
// authentication middleware the root builds (verifier.ts).

import type { AuditSink } from '../../ports/audit.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { defineModule } from '../contract.ts';
import { apiKeysErrors } from './errors.ts';
import { registerApiKeysRoutes } from './routes.ts';
import { createApiKeysService } from './service.ts';
import type { ApiKeysDatabase } from './tables.ts';

export const apiKeysModule = defineModule({
  name: 'api-keys',
  errors: apiKeysErrors,
  routes(app, context: { readonly sql: SqlDatabase<ApiKeysDatabase>; readonly audit: AuditSink }) {
    registerApiKeysRoutes(app, createApiKeysService({ sql: context.sql, audit: context.audit }));
  },
});
