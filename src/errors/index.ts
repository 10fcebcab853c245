// The error vocabulary every layer raises. Imports nothing of ours, so
// platform, ports, adapters, modules and the HTTP core can all depend on it.

export {
  AppError,
  isAppError,
  type AppErrorOptions,
  type ErrorLevel,
  type ErrorSpec,
} from './app-error.ts';
export type { ErrorMapper } from './error-mapper.ts';
export type { FieldError } from './field-error.ts';
export { defineErrors, errorFactory, type ErrorRegistry } from './registry.ts';
