// The admin side of feature flags: create, read, change, delete. Every
// write is audited and announced (store.ts), so every instance serves it
// within the pub/sub delivery time.

import type { AuditSink } from '../../ports/audit.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { definitionProblems } from './consistency.ts';
import { flagsError } from './errors.ts';
import type { FlagDefinition } from './evaluate.ts';
import {
  deleteFlag,
  findFlag,
  insertFlag,
  listFlags,
  updateFlag,
  type FlagValues,
} from './repo.ts';
import type { FlagChange, FlagCreation } from './schemas.ts';
import type { FlagStore } from './store.ts';
import type { FlagsTables } from './tables.ts';

interface Actor {
  readonly id: string;
  readonly ip: string;
}

export interface FlagsAdmin {
  list(): Promise<FlagDefinition[]>;
  get(key: string): Promise<FlagDefinition>;
  create(actor: Actor, input: FlagCreation): Promise<FlagDefinition>;
  update(actor: Actor, key: string, change: FlagChange): Promise<FlagDefinition>;
  remove(actor: Actor, key: string): Promise<void>;
}

const notFound = (key: string) =>
  flagsError('FLAGS_NOT_FOUND', { detail: `no feature flag with key ${key}` });

function checked(values: FlagValues): FlagValues {
  const problems = definitionProblems(values);
  if (problems.length > 0) {
    throw flagsError('FLAGS_INVALID_DEFINITION', { detail: problems.join('; ') });
  }
  return values;
}

export function createFlagsAdmin(deps: {
  readonly sql: SqlDatabase<FlagsTables>;
  readonly audit: AuditSink;
  readonly store: Pick<FlagStore, 'announce'>;
  readonly clock?: () => Date;
}): FlagsAdmin {
  const { sql, audit, store } = deps;
  const now = deps.clock ?? (() => new Date());
  const record = (actor: Actor, action: string, key: string, details: object) =>
    audit.record({
      action: `admin.flag_${action}`,
      outcome: 'success',
      actorId: actor.id,
      actorIp: actor.ip,
      targetType: 'feature_flag',
      targetId: key,
      details: { ...details },
    });

  return {
    list: () => listFlags(sql.db),

    async get(key) {
      const found = await findFlag(sql.db, key);
      if (found === undefined) throw notFound(key);
      return found;
    },

    async create(actor, input) {
      const { key, ...values } = input;
      const created = await insertFlag(sql.db, key, checked(values));
      if (created === undefined) {
        throw flagsError('FLAGS_ALREADY_EXISTS', { detail: `feature flag ${key} exists` });
      }
      await record(actor, 'created', key, values);
      await store.announce(key);
      return created;
    },

    async update(actor, key, change) {
      const { version, ...members } = change;
      const current = await findFlag(sql.db, key);
      if (current === undefined) throw notFound(key);
      if (version !== undefined && version !== current.version) {
        throw flagsError('FLAGS_VERSION_CONFLICT', {
          detail: `feature flag ${key} is at version ${current.version}`,
        });
      }
      const { key: _key, version: _version, createdAt: _c, updatedAt: _u, ...stored } = current;
      const merged = checked({ ...stored, ...members });
      const updated = await updateFlag(sql.db, key, current.version, merged, now());
      if (updated === undefined) {
        throw flagsError('FLAGS_VERSION_CONFLICT', {
          detail: `feature flag ${key} changed meanwhile`,
        });
      }
      // The kill switch gets its own action: it is what an incident review looks for.
      const action =
        members.killed === undefined || members.killed === current.killed
          ? 'changed'
          : members.killed
            ? 'killed'
            : 'revived';
      await record(actor, action, key, members);
      await store.announce(key);
      return updated;
    },

    async remove(actor, key) {
      if (!(await deleteFlag(sql.db, key))) throw notFound(key);
      await record(actor, 'deleted', key, {});
      await store.announce(key);
    },
  };
}
