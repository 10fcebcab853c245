import { defineErrors, errorFactory } from '../../errors/index.ts';

export const flagsErrors = defineErrors({
  FLAGS_NOT_FOUND: { status: 404, title: 'Feature flag not found', level: 'debug' },
  FLAGS_ALREADY_EXISTS: { status: 409, title: 'Feature flag already exists', level: 'info' },
  // Well-formed but inconsistent: a rule or the rollout names a variant the
  // flag does not have, the slices add up to more than 100 %, or a boolean
  // flag has a value that is not a boolean. The detail lists every problem.
  FLAGS_INVALID_DEFINITION: {
    status: 422,
    title: 'Feature flag definition is inconsistent',
    level: 'info',
  },
  // Changed by someone else since it was read (the version sent is stale).
  FLAGS_VERSION_CONFLICT: { status: 409, title: 'Feature flag changed meanwhile', level: 'info' },
});

export const flagsError = errorFactory(flagsErrors);
