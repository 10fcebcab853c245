import { defineErrors, errorFactory } from '../../errors/index.ts';

export const opsErrors = defineErrors({
  OPS_QUEUE_NOT_FOUND: { status: 404, title: 'Queue not found', level: 'debug' },
  OPS_DEAD_JOB_NOT_FOUND: { status: 404, title: 'Dead letter not found', level: 'debug' },
});

export const opsError = errorFactory(opsErrors);
