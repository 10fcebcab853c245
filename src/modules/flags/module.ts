// Feature flags: boolean and multivariate flags in PostgreSQL, evaluated in
// memory through the OpenFeature server SDK with our provider, targeted by
// role or cohort, rolled out by a stable hash of the user id, with a kill
// switch; changes reach every instance over pub/sub. The root builds the
// flags once (feature-flags.ts) and hands them to whoever evaluates; this
// module adds the admin API.

import type { AuditSink } from '../../ports/audit.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { defineModule } from '../contract.ts';
import { flagsErrors } from './errors.ts';
import type { FeatureFlags } from './feature-flags.ts';
import { registerFlagsRoutes } from './routes.ts';
import { createFlagsAdmin } from './service.ts';
import type { FlagsTables } from './tables.ts';

export const flagsModule = defineModule({
  name: 'flags',
  errors: flagsErrors,
  routes(
    app,
    context: {
      readonly sql: SqlDatabase<FlagsTables>;
      readonly audit: AuditSink;
      readonly flags: FeatureFlags;
    },
  ) {
    registerFlagsRoutes(
      app,
      createFlagsAdmin({ sql: context.sql, audit: context.audit, store: context.flags.store }),
    );
  },
});
