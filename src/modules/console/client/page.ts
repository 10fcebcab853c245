// What a console page is: a path in the URL fragment, a title, the
// permission its API routes need (the navigation shows a page only to a role
// that has it, and the API refuses the rest anyway), and how it draws itself.

import type { Session } from './session.ts';

export interface PageContext {
  readonly session: Session;
  /** Aborted when the user leaves the page: stops polling and pending requests. */
  readonly signal: AbortSignal;
  /** Whether the signed-in user has `permission`. */
  readonly can: (permission: string) => boolean;
  /** Draws the page again (after an action changed what it shows). */
  readonly refresh: () => void;
}

export interface Page {
  readonly path: string;
  readonly title: string;
  readonly permission: string;
  /** Draws into `view` (below the page's heading, which the console draws). */
  render(view: HTMLElement, context: PageContext): Promise<void>;
}

/** Calls `tick` every `intervalMs` until `signal` aborts; the first call waits one interval. */
export function every(intervalMs: number, signal: AbortSignal, tick: () => Promise<void>): void {
  const timer = setInterval(() => {
    tick().catch(() => undefined);
  }, intervalMs);
  signal.addEventListener('abort', () => {
    clearInterval(timer);
  });
}
