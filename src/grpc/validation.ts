// Request messages checked against the same zod schemas the HTTP routes use,
// so both transports refuse the same input with the same field errors; a
// failure is INVALID_ARGUMENT (GRPC_INVALID_ARGUMENT) naming every field.

import type { z } from 'zod';
import type { FieldError } from '../errors/index.ts';
import { issuesToFieldErrors } from '../http/request/validation.ts';
import { grpcError } from './errors.ts';

/** `in: 'body'` for message fields, `'headers'` for metadata entries. */
export function parseMessage<S extends z.ZodType>(
  schema: S,
  value: unknown,
  part: FieldError['in'] = 'body',
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = issuesToFieldErrors(part, result.error.issues, value);
  throw grpcError('GRPC_INVALID_ARGUMENT', {
    detail: errors.map((error) => `${error.field || '(message)'}: ${error.message}`).join('; '),
    errors,
  });
}
