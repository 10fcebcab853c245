// A start-up failure an operator can act on: the process entries log it as
// one line that says what happened and what to do, with its details as
// fields — never a stack trace, which tells an operator nothing they can use.

export class StartupError extends Error {
  /** Fields for the log line (paths, pids, what the engine reported). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
    this.details = details;
  }
}
