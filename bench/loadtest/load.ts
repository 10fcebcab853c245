// A load run: sign the admin in, start journeys on the open-loop schedule
// for the duration (or until the signal), wait for the last one to end and
// report what was measured, with the orders the service acknowledged so a
// caller can hold them against the database.

import { randomBytes } from 'node:crypto';
import { send } from './client.ts';
import { runJourney, type AcknowledgedOrder } from './journey.ts';
import { realClock, runOpenLoop, type Clock } from './schedule.ts';
import { Recorder, type Measurements } from './stats.ts';

export interface LoadOptions {
  /** The service's (or the balancer's) origin, e.g. http://127.0.0.1:3000. */
  readonly url: string;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** An admin account: the journeys credit their new customers' wallets. */
  readonly admin: { readonly email: string; readonly password: string };
  /** Per request; a request without an answer by then is a `timeout` failure. */
  readonly timeoutMs?: number;
  /** Ends the schedule early; journeys under way still finish. */
  readonly signal?: AbortSignal;
  /** Told as each journey ends, for callers that act once the load is under way. */
  readonly onJourneyEnd?: (succeeded: boolean) => void;
  readonly clock?: Clock;
}

export interface LoadReport {
  readonly url: string;
  readonly ratePerSecond: number;
  readonly elapsedMs: number;
  readonly journeys: {
    readonly started: number;
    readonly completed: number;
    readonly failed: number;
  };
  readonly measurements: Measurements;
  readonly orders: readonly AcknowledgedOrder[];
  /** Tells this run's accounts (load-<runId>-<n>@example.com) and keys apart. */
  readonly runId: string;
}

export class LoadSetupError extends Error {}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const clock = options.clock ?? realClock;
  const url = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const signIn = await send(url, '/api/v1/auth/login', {
    method: 'POST',
    json: options.admin,
    timeoutMs,
  });
  if (signIn.status !== 200) {
    throw new LoadSetupError(
      `the admin could not sign in at ${url} (${signIn.status} ${signIn.code}); set LOADTEST_ADMIN_EMAIL and LOADTEST_ADMIN_PASSWORD`,
    );
  }
  const recorder = new Recorder();
  const orders: AcknowledgedOrder[] = [];
  const ctx = {
    baseUrl: url,
    adminToken: (signIn.body as { accessToken: string }).accessToken,
    runId: randomBytes(4).toString('hex'),
    timeoutMs,
    recorder,
    clock,
    orders,
  };
  let completed = 0;
  let failed = 0;
  const begin = clock.now();
  const { started } = await runOpenLoop({
    ratePerSecond: options.ratePerSecond,
    durationMs: options.durationMs,
    clock,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    start: async (dueAt, index) => {
      const succeeded = await runJourney(ctx, index, dueAt).catch(() => false);
      if (succeeded) completed += 1;
      else failed += 1;
      options.onJourneyEnd?.(succeeded);
    },
  });
  return {
    url,
    ratePerSecond: options.ratePerSecond,
    elapsedMs: clock.now() - begin,
    journeys: { started, completed, failed },
    measurements: recorder.snapshot(),
    orders,
    runId: ctx.runId,
  };
}
