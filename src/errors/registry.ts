// Error registries: each module (and the HTTP core) declares its codes once,
// code → status, level and title, and raises them through the factory built
// from its registry, so a code that is not registered does not compile.

import { AppError, type AppErrorOptions, type ErrorSpec } from './app-error.ts';

export type ErrorRegistry = Readonly<Record<string, ErrorSpec>>;

/** Identity helper that keeps the literal code union for a module's registry. */
export function defineErrors<const R extends ErrorRegistry>(registry: R): R {
  return Object.freeze(registry);
}

/** Builds the `xError(code, options)` factory for one registry. */
export function errorFactory<const R extends ErrorRegistry>(registry: R) {
  return function createError<C extends keyof R & string>(
    code: C,
    options?: AppErrorOptions,
  ): AppError<C> {
    return new AppError(code, registry[code]!, options);
  };
}
