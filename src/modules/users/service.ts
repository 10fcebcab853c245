// User use cases: registration, profile, and the admin's view. Ownership is
// checked here, against the caller's identity: reading another user's record
// without the `users:read` permission answers "not found", exactly as for an
// id that does not exist (no IDOR, no enumeration).

import type { UsersDatabase } from './tables.ts';
import { toSqlError } from '../../platform/sql/sql-errors.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { AuditSink } from '../../ports/audit.ts';
import { recordEvent } from '../events/outbox.ts';
import type { SignOutEverywhere } from './ports.ts';
import { usersError } from './errors.ts';
import type { PasswordHasher } from './passwords.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import {
  changeRole,
  findUserById,
  insertUser,
  listUsers,
  softDeleteUser,
  updateProfile,
} from './repo.ts';
import type { User } from './schemas.ts';

/** The caller, as the service needs to know it. */
export interface Actor {
  readonly id: string;
  readonly permissions: ReadonlySet<string>;
  readonly ip: string;
}

export interface UsersService {
  register(
    input: { email: string; password: string; displayName?: string | undefined },
    ip: string,
  ): Promise<User>;
  get(actor: Actor, id: string): Promise<User>;
  updateProfile(actor: Actor, patch: { displayName?: string | undefined }): Promise<User>;
  list(options: { limit: number; before?: string | undefined }): Promise<User[]>;
  delete(actor: Actor, id: string): Promise<void>;
  changeRole(actor: Actor, id: string, role: User['role']): Promise<User>;
}

export function createUsersService(deps: {
  sql: SqlDatabase<UsersDatabase>;
  audit: AuditSink;
  /** Ends browser sessions with a deletion or role change (sign-out-everywhere.ts). */
  signOut: SignOutEverywhere;
  passwords: PasswordHasher;
}): UsersService {
  const { sql, audit } = deps;
  const notFound = (id: string) =>
    usersError('USERS_NOT_FOUND', { detail: `no user with id ${id}` });

  return {
    async register(input, ip) {
      const problems = checkPasswordPolicy(input.password, input.email);
      if (problems.length > 0) {
        throw usersError('USERS_WEAK_PASSWORD', { errors: problems, detail: problems[0]!.message });
      }
      const passwordHash = await deps.passwords.hash(input.password);
      let user: User;
      try {
        // The user and its `user.registered` event commit together (modules/events/).
        user = await sql.withTransaction(async (trx) => {
          const inserted = await insertUser(trx, {
            email: input.email,
            passwordHash,
            displayName: input.displayName ?? '',
          });
          await recordEvent(trx, {
            type: 'user.registered',
            aggregateId: inserted.id,
            data: { userId: inserted.id },
          });
          return inserted;
        });
      } catch (error) {
        if (toSqlError(error)?.code === 'SQL_UNIQUE_VIOLATION') {
          throw usersError('USERS_EMAIL_TAKEN', {
            errors: [
              { field: 'email', in: 'body', code: 'taken', message: 'is already registered' },
            ],
          });
        }
        throw error;
      }
      await audit.record({
        action: 'user.registered',
        outcome: 'success',
        actorId: user.id,
        actorIp: ip,
        targetType: 'user',
        targetId: user.id,
      });
      return user;
    },

    async get(actor, id) {
      if (actor.id !== id && !actor.permissions.has('users:read')) throw notFound(id);
      const user = await findUserById(sql.reader, id);
      if (user === undefined) throw notFound(id);
      return user;
    },

    async updateProfile(actor, patch) {
      const user = await updateProfile(sql.db, actor.id, patch);
      if (user === undefined) throw notFound(actor.id);
      return user;
    },

    list(options) {
      return listUsers(sql.reader, options);
    },

    async delete(actor, id) {
      if (actor.id === id) throw usersError('USERS_CANNOT_DELETE_SELF');
      const at = new Date();
      const revocation = await sql.withTransaction(async (trx) => {
        if (!(await softDeleteUser(trx, id))) return undefined;
        await deps.signOut.endRefreshTokens(trx, id, at);
        return deps.signOut.request(trx, { userId: id, at });
      });
      const deleted = revocation !== undefined;
      if (deleted) await deps.signOut.finish(revocation);
      await audit.record({
        action: 'admin.user_deleted',
        outcome: deleted ? 'success' : 'failure',
        actorId: actor.id,
        actorIp: actor.ip,
        targetType: 'user',
        targetId: id,
      });
      if (!deleted) throw notFound(id);
    },

    async changeRole(actor, id, role) {
      if (actor.id === id) throw usersError('USERS_CANNOT_CHANGE_OWN_ROLE');
      const at = new Date();
      let revocation: string | undefined;
      const changed = await sql.withTransaction(async (trx) => {
        const result = await changeRole(trx, id, role);
        // Sessions and refresh tokens carry the old role's rights: end them,
        // so the next sign-in gets the new role (access tokens expire soon).
        if (result !== undefined && result.previous !== role) {
          await deps.signOut.endRefreshTokens(trx, id, at);
          revocation = await deps.signOut.request(trx, { userId: id, at });
        }
        return result;
      });
      if (revocation !== undefined) await deps.signOut.finish(revocation);
      await audit.record({
        action: 'admin.role_changed',
        outcome: changed === undefined ? 'failure' : 'success',
        actorId: actor.id,
        actorIp: actor.ip,
        targetType: 'user',
        targetId: id,
        details: changed === undefined ? { to: role } : { from: changed.previous, to: role },
      });
      if (changed === undefined) throw notFound(id);
      return changed.user;
    },
  };
}
