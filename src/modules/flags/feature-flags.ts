// Feature flags as the rest of the service sees them: an OpenFeature client
// bound to our provider, and the store behind it. Each service instance
// binds its provider to its own OpenFeature domain, so two instances in one
// process (tests) never share definitions through the SDK's global API.

import { randomUUID } from 'node:crypto';
import {
  NOOP_PROVIDER,
  OpenFeature,
  type Client,
  type EvaluationContext,
} from '@openfeature/server-sdk';
import type { Identity } from '../../http/pipeline/context.ts';
import type { Lifecycle } from '../../platform/lifecycle.ts';
import type { Logger } from '../../platform/logger.ts';
import type { PubSub } from '../../ports/pubsub.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { FlagsProvider } from './provider.ts';
import { createFlagStore, type FlagStore } from './store.ts';
import type { FlagsTables } from './tables.ts';

export interface FeatureFlags {
  /** Evaluate through this: `await flags.client.getBooleanValue(key, false, context)`. */
  readonly client: Client;
  readonly store: FlagStore;
}

/** The caller of a request as an evaluation context: the user id to bucket by, the role to target. */
export function evaluationContextOf(identity: Identity | undefined): EvaluationContext {
  if (identity === undefined) return {};
  const role = identity.attributes?.role;
  return {
    targetingKey: identity.subject,
    ...(typeof role === 'string' ? { role } : {}),
  };
}

export function createFeatureFlags(deps: {
  readonly sql: SqlDatabase<FlagsTables>;
  readonly pubsub: PubSub;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly refreshMs: number;
}): FeatureFlags {
  const logger = deps.logger.child({ component: 'flags' });
  const store = createFlagStore({ ...deps, logger });
  const domain = `throughline-${randomUUID()}`;
  OpenFeature.setProvider(domain, new FlagsProvider(store));
  const client = OpenFeature.getClient(domain);
  // Until the first load ends, flags answer their code defaults: the service
  // starts without waiting on them, as it does without a warm cache.
  store.start().catch((error: unknown) => {
    logger.warn({ err: error }, 'feature flags not loaded at start; retrying periodically');
  });
  deps.lifecycle.add({
    name: 'feature flags',
    async close() {
      await store.stop();
      OpenFeature.setProvider(domain, NOOP_PROVIDER);
    },
  });
  return { client, store };
}
