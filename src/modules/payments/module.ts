// Payments: wallets and the double-entry ledger (credits, transfers, and the
// order charges and refunds the orders module books through ledger.ts).

import type { AuditSink } from '../../ports/audit.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { defineModule } from '../contract.ts';
import { paymentsErrors } from './errors.ts';
import { registerPaymentsRoutes } from './routes.ts';
import { createPaymentsService } from './service.ts';
import type { PaymentsDatabase } from './tables.ts';

export const paymentsModule = defineModule({
  name: 'payments',
  errors: paymentsErrors,
  routes(app, context: { readonly sql: SqlDatabase<PaymentsDatabase>; readonly audit: AuditSink }) {
    registerPaymentsRoutes(app, createPaymentsService({ sql: context.sql, audit: context.audit }));
  },
});
