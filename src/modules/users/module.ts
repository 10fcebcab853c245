// Users: sign-up, the profile, and the administrators' user management
// (roles, deletion). Ending a user's sign-ins is the auth module's
// (users/ports.ts), handed in by the root.

import type { Config } from '../../platform/config.ts';
import type { AuditSink } from '../../ports/audit.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { defineModule } from '../contract.ts';
import { usersErrors } from './errors.ts';
import { configuredPasswordHasher } from './passwords.ts';
import type { SignOutEverywhere } from './ports.ts';
import { registerUsersRoutes } from './routes.ts';
import { createUsersService } from './service.ts';
import type { UsersDatabase } from './tables.ts';

export interface UsersContext {
  readonly config: Config;
  readonly sql: SqlDatabase<UsersDatabase>;
  readonly audit: AuditSink;
  readonly signOut: SignOutEverywhere;
}

/** The users service as the routes of users and auth use it. */
export function usersService(context: UsersContext) {
  return createUsersService({
    sql: context.sql,
    audit: context.audit,
    signOut: context.signOut,
    passwords: configuredPasswordHasher(context.config.security),
  });
}

export const usersModule = defineModule({
  name: 'users',
  errors: usersErrors,
  // Registration records it; auth's consumer mails the welcome.
  events: ['user.registered'],
  routes(app, context: UsersContext) {
    registerUsersRoutes(app, usersService(context));
  },
});
