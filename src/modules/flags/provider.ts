// Our OpenFeature provider: code asks through the OpenFeature server SDK
// (vendor-neutral: hooks, typed getters, evaluation details), and the SDK
// asks this provider, which evaluates the in-memory definitions (store.ts).
// A flag that does not exist, or whose value is not of the type asked for,
// answers the caller's default with the error the spec names.

import {
  ErrorCode,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { evaluateFlag, type FlagCaller } from './evaluate.ts';
import type { FlagStore } from './store.ts';

type ValueType = 'boolean' | 'string' | 'number' | 'object';

function callerOf(context: EvaluationContext): FlagCaller {
  const role = context.role;
  return {
    targetingKey: context.targetingKey,
    role: typeof role === 'string' ? role : undefined,
  };
}

function typeOf(value: unknown): ValueType | undefined {
  if (typeof value === 'boolean' || typeof value === 'string' || typeof value === 'number') {
    return typeof value as ValueType;
  }
  return typeof value === 'object' && value !== null ? 'object' : undefined;
}

export class FlagsProvider implements Provider {
  readonly metadata = { name: 'throughline-flags' } as const;
  readonly runsOn = 'server' as const;
  readonly #store: Pick<FlagStore, 'get'>;

  constructor(store: Pick<FlagStore, 'get'>) {
    this.#store = store;
  }

  #resolve<T>(key: string, fallback: T, type: ValueType, context: EvaluationContext) {
    const flag = this.#store.get(key);
    if (flag === undefined) {
      return {
        value: fallback,
        reason: 'ERROR',
        errorCode: ErrorCode.FLAG_NOT_FOUND,
        errorMessage: `no feature flag ${key}`,
      } satisfies ResolutionDetails<T>;
    }
    const evaluation = evaluateFlag(flag, callerOf(context));
    if (typeOf(evaluation.value) !== type) {
      return {
        value: fallback,
        reason: 'ERROR',
        errorCode: ErrorCode.TYPE_MISMATCH,
        errorMessage: `feature flag ${key} is not a ${type}`,
      } satisfies ResolutionDetails<T>;
    }
    return {
      value: evaluation.value as T,
      variant: evaluation.variant,
      reason: evaluation.reason,
      flagMetadata: { version: flag.version },
    } satisfies ResolutionDetails<T>;
  }

  resolveBooleanEvaluation(key: string, fallback: boolean, context: EvaluationContext) {
    return Promise.resolve(this.#resolve(key, fallback, 'boolean', context));
  }

  resolveStringEvaluation(key: string, fallback: string, context: EvaluationContext) {
    return Promise.resolve(this.#resolve(key, fallback, 'string', context));
  }

  resolveNumberEvaluation(key: string, fallback: number, context: EvaluationContext) {
    return Promise.resolve(this.#resolve(key, fallback, 'number', context));
  }

  resolveObjectEvaluation<T extends JsonValue>(
    key: string,
    fallback: T,
    context: EvaluationContext,
  ) {
    return Promise.resolve(this.#resolve(key, fallback, 'object', context));
  }
}
