// `npm run bench:queue` (also part of `npm run bench`): job queue throughput.
// N jobs with a no-op handler, concurrency C, timed from the first enqueue
// until the last job is recorded as completed; the jobs are enqueued one by
// one, each awaited, as the outbox relay and the services do. Contenders:
// our postgres queue on PGlite (in process) and on PostgreSQL (DATABASE_URL),
// our BullMQ adapter and raw BullMQ on the same Redis (REDIS_URL), plus raw
// BullMQ with addBulk as the ceiling. A contender whose engine is not
// configured is skipped, and the run says so. Rounds alternate (the first
// contender rotates), ratios are medians of same-round ratios.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createLogger } from '../../src/platform/logger.ts';
import { benchKeyPrefix, checkRedis, removeKeys } from '../db/cache.ts';
import { machineInfo } from '../lib/machine.ts';
import { wholeNumber } from '../lib/options.ts';
import {
  bullmqAdapterContender,
  pgliteContender,
  postgresContender,
  rawBullmqContender,
  type QueueContender,
} from './contenders.ts';
import {
  formatQueueTable,
  pairedQueueRatio,
  perSecond,
  summariseQueue,
  type QueueRun,
} from './summary.ts';

export interface QueueBenchOptions {
  readonly jobs: number;
  readonly concurrency: number;
  readonly rounds: number;
  /** Jobs per contender before the first round (connections, JIT). */
  readonly warmupJobs: number;
  readonly postgresUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly bulk: boolean;
  readonly timeoutSec: number;
  readonly out: string;
}

export const QUEUE_USAGE = `Usage: npm run bench:queue -- [options]

  --jobs <n>          jobs per round and contender (default 5000, env BENCH_QUEUE_JOBS)
  --concurrency <n>   worker concurrency (default 8, env BENCH_QUEUE_CONCURRENCY)
  --rounds <n>        interleaved rounds (default 3, env BENCH_QUEUE_ROUNDS)
  --warmup <n>        jobs per contender before the first round (default 500)
  --postgres-url <u>  PostgreSQL server for the postgres leg (default DATABASE_URL; none: skipped)
  --redis-url <u>     Redis for the BullMQ legs (default REDIS_URL; none: skipped)
  --no-bulk           leave out raw BullMQ with addBulk
  --timeout <s>       give up on a round after s seconds (default 300)
  --out <file>        JSON results (default bench/results/queue-latest.json)
`;

const env = (name: string): string | undefined => process.env[name] || undefined;

export function parseQueueOptions(argv: readonly string[]): QueueBenchOptions & { help: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      jobs: { type: 'string', default: env('BENCH_QUEUE_JOBS') ?? '5000' },
      concurrency: { type: 'string', default: env('BENCH_QUEUE_CONCURRENCY') ?? '8' },
      rounds: { type: 'string', default: env('BENCH_QUEUE_ROUNDS') ?? '3' },
      warmup: { type: 'string', default: '500' },
      'postgres-url': { type: 'string', default: env('DATABASE_URL') ?? '' },
      'redis-url': { type: 'string', default: env('REDIS_URL') ?? '' },
      'no-bulk': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '300' },
      out: { type: 'string', default: 'bench/results/queue-latest.json' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  return {
    jobs: wholeNumber('jobs', values.jobs, 1),
    concurrency: wholeNumber('concurrency', values.concurrency, 1),
    rounds: wholeNumber('rounds', values.rounds, 1),
    warmupJobs: wholeNumber('warmup', values.warmup, 0),
    postgresUrl: values['postgres-url'] === '' ? undefined : values['postgres-url'],
    redisUrl: values['redis-url'] === '' ? undefined : values['redis-url'],
    bulk: !values['no-bulk'],
    timeoutSec: wholeNumber('timeout', values.timeout, 1),
    out: values.out,
    help: values.help,
  };
}

/** One round of one contender: jobs enqueued (one by one, or in bulk), all handled, drained. */
async function timeRound(
  contender: QueueContender,
  queueName: string,
  jobs: number,
  options: QueueBenchOptions,
): Promise<{ enqueueMs: number; totalMs: number }> {
  const queue = contender.round(queueName);
  let handled = 0;
  let allHandled!: () => void;
  const done = new Promise<void>((resolve) => {
    allHandled = resolve;
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${handled}/${jobs} jobs handled after ${options.timeoutSec} s`));
    }, options.timeoutSec * 1000);
  });
  try {
    await queue.start(() => {
      handled += 1;
      if (handled === jobs) allHandled();
    }, options.concurrency);
    const started = performance.now();
    if (contender.bulk && queue.enqueueAll !== undefined) {
      await queue.enqueueAll(jobs);
    } else {
      for (let i = 0; i < jobs; i++) await queue.enqueueOne(i);
    }
    const enqueued = performance.now();
    await Promise.race([done, timeout]);
    await queue.drain();
    return { enqueueMs: enqueued - started, totalMs: performance.now() - started };
  } catch (error) {
    await queue.drain().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = list.length === 0 ? 0 : by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

export async function runQueueBenchmark(options: QueueBenchOptions): Promise<void> {
  const machine = machineInfo();
  const logger = createLogger({ level: 'warn', destination: pino.destination(2) });
  console.log('Throughline job queue throughput\n');
  console.log(
    `  ${options.jobs} jobs per round, no-op handler, concurrency ${options.concurrency},` +
      ` enqueued one by one (each awaited); ${options.rounds} interleaved round(s) after` +
      ` ${options.warmupJobs} warm-up jobs`,
  );
  console.log(
    `  node ${machine.node}, ${machine.cpuModel}, ${machine.cores} cores, load average` +
      ` ${machine.loadAverage.join(' ')}; everything in this process, not pinned`,
  );

  const notes: string[] = [];
  const note = (text: string): void => {
    notes.push(text);
    console.log(`  ! ${text}`);
  };
  const contenders: QueueContender[] = [];
  const redis: { url: string; prefixes: string[] } | undefined = options.redisUrl
    ? { url: options.redisUrl, prefixes: [] }
    : undefined;
  const runs: QueueRun[] = [];
  try {
    contenders.push(await pgliteContender(logger));
    if (options.postgresUrl === undefined) {
      note('DATABASE_URL not set: the postgres queue on PostgreSQL is skipped');
    } else {
      try {
        const postgres = await postgresContender(options.postgresUrl, logger);
        console.log(`  PostgreSQL database ${postgres.database}`);
        contenders.push(postgres);
      } catch (error) {
        note(`PostgreSQL unreachable (${String(error)}): its leg is skipped`);
      }
    }
    if (redis === undefined) {
      note('REDIS_URL not set: the BullMQ legs (ours and raw) are skipped');
    } else {
      try {
        await checkRedis(redis.url);
        const prefix = (): string => {
          // BullMQ appends `:<queue>:…`; the run's own prefix makes the keys easy to find and remove.
          const p = benchKeyPrefix().slice(0, -1);
          redis.prefixes.push(p);
          return p;
        };
        contenders.push(bullmqAdapterContender(redis.url, prefix(), logger));
        contenders.push(rawBullmqContender(redis.url, prefix(), false));
        if (options.bulk) contenders.push(rawBullmqContender(redis.url, prefix(), true));
        console.log(`  Redis keys under ${redis.prefixes.join(', ')}`);
      } catch (error) {
        note(`Redis unreachable (${String(error)}): the BullMQ legs are skipped`);
      }
    }
    console.log('');

    const runId = benchKeyPrefix().slice('throughline-bench-'.length, -1);
    if (options.warmupJobs > 0) {
      for (const contender of contenders) {
        await timeRound(contender, `bench.warmup-${runId}`, options.warmupJobs, options);
      }
    }
    for (let round = 1; round <= options.rounds; round++) {
      for (const contender of rotate(contenders, round - 1)) {
        const queueName = `bench.noop-${runId}-r${round}`;
        const timing = await timeRound(contender, queueName, options.jobs, options);
        const run: QueueRun = { contenderId: contender.id, round, jobs: options.jobs, ...timing };
        runs.push(run);
        console.log(
          `[round ${round}/${options.rounds}] ${contender.label.padEnd(38)}` +
            ` ${Math.round(perSecond(run.jobs, run.totalMs)).toLocaleString('en-US').padStart(7)} jobs/s` +
            `  (enqueue ${Math.round(perSecond(run.jobs, run.enqueueMs)).toLocaleString('en-US')}/s,` +
            ` ${(run.totalMs / 1000).toFixed(2)} s)`,
        );
      }
    }
  } finally {
    for (const contender of contenders) {
      await contender.close().catch((error: unknown) => {
        console.log(`  ! closing ${contender.label}: ${String(error)}`);
      });
    }
    if (redis !== undefined) {
      let removed = 0;
      for (const prefix of redis.prefixes) {
        removed += await removeKeys(redis.url, prefix).catch((error: unknown) => {
          console.log(`  ! Redis keys under ${prefix} not removed: ${String(error)}`);
          return 0;
        });
      }
      if (redis.prefixes.length > 0) console.log(`  Removed ${removed} Redis keys`);
    }
  }

  const rows = summariseQueue(runs, contenders);
  console.log(
    `\nMedians of ${options.rounds} round(s); × = median of same-round jobs/s ratios` +
      ' against raw BullMQ (one by one).\n',
  );
  console.log(formatQueueTable(rows));
  const ratio = (label: string, subject: QueueRun['contenderId']): void => {
    const r = pairedQueueRatio(runs, subject);
    if (r !== undefined) console.log(`  ${label}: ${r.toFixed(2)}×`);
  };
  console.log('');
  ratio('ours on BullMQ ÷ raw BullMQ', 'bullmq-adapter');
  ratio('postgres queue on PostgreSQL ÷ raw BullMQ', 'postgres-server');
  ratio('postgres queue on PGlite ÷ raw BullMQ', 'postgres-pglite');

  mkdirSync(dirname(options.out), { recursive: true });
  const report = {
    generatedAt: new Date().toISOString(),
    machine,
    method: {
      jobs: options.jobs,
      concurrency: options.concurrency,
      rounds: options.rounds,
      warmupJobs: options.warmupJobs,
      enqueue: 'one by one, each awaited (raw BullMQ addBulk: slices of 1,000)',
      timing: 'first enqueue until the worker, stopped after the last job ran, has recorded all',
    },
    summary: rows,
    runs,
    notes,
  };
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nResults written to ${options.out}`);
}

if (import.meta.main) {
  const options = parseQueueOptions(process.argv.slice(2));
  if (options.help) process.stdout.write(QUEUE_USAGE);
  else await runQueueBenchmark(options);
}
