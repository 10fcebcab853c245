// Job duration and outcomes per queue: how long handlers take, how many
// complete and how many throw (each throw is an attempt the queue retries or
// turns into a dead letter). Counted around the handler itself, so both
// queue engines are measured the same way, in plain numbers (labelled-stats.ts).
// Queue names come from code (`mail.send`, `webhooks.deliver`): a bounded set.

import type { JobHandler, JobQueue } from '../../ports/queue.ts';
import { HistogramStats, Tally } from './labelled-stats.ts';

/** Seconds: a mail or webhook call takes tens of milliseconds to seconds; a rebuild, minutes. */
export const JOB_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
] as const;

export class JobStats {
  readonly durations = new HistogramStats(['queue'], JOB_BUCKETS);
  /** By queue and outcome: `completed` or `failed`. */
  readonly outcomes = new Tally(['queue', 'outcome']);

  /** `handler`, timed and counted under `queue`. */
  measure(queue: string, handler: JobHandler): JobHandler {
    return async (job) => {
      const started = performance.now();
      try {
        await handler(job);
        this.outcomes.add([queue, 'completed']);
      } catch (error) {
        this.outcomes.add([queue, 'failed']);
        throw error;
      } finally {
        this.durations.record([queue], (performance.now() - started) / 1000);
      }
    };
  }

  /** Makes every handler `queue.process` is given from now on measured. */
  instrument(queue: Pick<JobQueue, 'process'>): void {
    const process = queue.process.bind(queue);
    queue.process = (name, handler, options) => {
      process(name, this.measure(name, handler), options);
    };
  }
}
