// Evaluating one flag for one caller, in memory: the kill switch first (it
// overrides everything), then the targeting rules in order (first match
// wins), then the percentage rollout by the caller's bucket, then the
// default variant. Pure, so two instances holding the same definition give
// the same caller the same answer.

import { bucketOf } from './bucket.ts';

export type FlagKind = 'boolean' | 'multivariate';

export interface TargetingRule {
  readonly variant: string;
  /** Matches a caller with one of these roles. */
  readonly roles?: readonly string[] | undefined;
  /** Matches these user ids: a named group such as staff or beta testers. */
  readonly cohort?: readonly string[] | undefined;
}

export interface RolloutSlice {
  readonly variant: string;
  /** Share of the users the rules left, in percent, to 0.01. */
  readonly percent: number;
}

export interface FlagDefinition {
  readonly key: string;
  readonly description: string;
  readonly kind: FlagKind;
  readonly variants: Readonly<Record<string, unknown>>;
  /** Served when no rule matches and the caller is outside every rollout slice. */
  readonly defaultVariant: string;
  /** Served while the kill switch is on. */
  readonly offVariant: string;
  readonly rules: readonly TargetingRule[];
  readonly rollout: readonly RolloutSlice[];
  /** The kill switch. */
  readonly killed: boolean;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface FlagCaller {
  /** The user id; without it the rollout does not apply (there is nothing stable to hash). */
  readonly targetingKey?: string | undefined;
  readonly role?: string | undefined;
}

export type EvaluationReason = 'DISABLED' | 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT';

export interface Evaluation {
  readonly variant: string;
  readonly value: unknown;
  readonly reason: EvaluationReason;
}

function matches(rule: TargetingRule, caller: FlagCaller): boolean {
  const byRole = caller.role !== undefined && (rule.roles ?? []).includes(caller.role);
  const byCohort =
    caller.targetingKey !== undefined && (rule.cohort ?? []).includes(caller.targetingKey);
  return byRole || byCohort;
}

function served(flag: FlagDefinition, variant: string, reason: EvaluationReason): Evaluation {
  return { variant, value: flag.variants[variant], reason };
}

export function evaluateFlag(flag: FlagDefinition, caller: FlagCaller): Evaluation {
  if (flag.killed) return served(flag, flag.offVariant, 'DISABLED');
  const rule = flag.rules.find((candidate) => matches(candidate, caller));
  if (rule !== undefined) return served(flag, rule.variant, 'TARGETING_MATCH');
  if (caller.targetingKey !== undefined && flag.rollout.length > 0) {
    const bucket = bucketOf(flag.key, caller.targetingKey);
    let upTo = 0;
    for (const slice of flag.rollout) {
      upTo += Math.round(slice.percent * 100);
      if (bucket < upTo) return served(flag, slice.variant, 'SPLIT');
    }
  }
  return served(flag, flag.defaultVariant, 'DEFAULT');
}
