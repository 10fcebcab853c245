// How errors from a lower layer (a database driver, a cache client) become
// AppErrors. The composition root installs mappers on the HTTP app; neither
// the core nor the errors here import the drivers.

import type { AppError } from './app-error.ts';

export type ErrorMapper = (error: unknown) => AppError | undefined;
