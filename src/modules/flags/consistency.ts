// What the schemas cannot see field by field: a definition whose parts agree.
// Checked on create and on every change (after merging it), so a flag held
// in memory never names a variant it lacks.

import type { FlagValues } from './repo.ts';

export function definitionProblems(values: FlagValues): string[] {
  const problems: string[] = [];
  const names = Object.keys(values.variants);
  const known = (variant: string, where: string) => {
    if (!names.includes(variant)) problems.push(`${where} names unknown variant "${variant}"`);
  };
  if (names.length < 2) problems.push('a flag needs at least two variants');
  known(values.defaultVariant, 'defaultVariant');
  known(values.offVariant, 'offVariant');
  values.rules.forEach((rule, index) => {
    known(rule.variant, `rules[${index}]`);
    if ((rule.roles ?? []).length === 0 && (rule.cohort ?? []).length === 0) {
      problems.push(`rules[${index}] matches nobody: give roles or a cohort`);
    }
  });
  values.rollout.forEach((slice, index) => {
    known(slice.variant, `rollout[${index}]`);
  });
  const basisPoints = values.rollout.reduce(
    (sum, slice) => sum + Math.round(slice.percent * 100),
    0,
  );
  if (basisPoints > 10_000) problems.push('the rollout slices add up to more than 100 %');
  if (values.kind === 'boolean') {
    for (const [name, value] of Object.entries(values.variants)) {
      if (typeof value !== 'boolean')
        problems.push(`variant "${name}" of a boolean flag is not a boolean`);
    }
  }
  return problems;
}
