// The crash run: client loops drive the workload (operations.ts) while the
// killer SIGKILLs the server at seeded moments — after a seeded number of
// answers from the process, a few seeded milliseconds more, and only while at
// least one write is in flight — and starts it again on the same data. Now
// and then the new process is itself killed part-way through its start-up,
// at a seeded fraction of how long the last start took, so on any machine
// the kill lands anywhere from loading the code to opening the database to
// listening. After the last restart the clients finish the operation they
// are in (every lost answer retried to a definite one), and the run waits
// until the workers have settled every order that was ever paid.

import { setTimeout as delay } from 'node:timers/promises';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { EVENTS_QUEUE } from '../../src/modules/events/outbox.ts';
import { ALLOCATE_QUEUE } from '../../src/modules/orders/flow-steps.ts';
import { ORDER_COMPLETE_QUEUE, RECEIPT_QUEUE } from '../../src/modules/orders/complete.ts';
import { CAPTURE_QUEUE } from '../../src/modules/orders/flow-steps.ts';
import { eventually } from '../support/eventually.ts';
import { prng } from '../support/prng.ts';
import type { BootPhase, CrashingServer } from './crashing-server.ts';
import type { Workload } from './model.ts';
import { clientLoop, type WorkloadContext } from './operations.ts';
import { send, signIn, withSession, type Session } from './requests.ts';

/** The queues an order's way from `order.paid` to settled goes through. */
const FLOW_QUEUES = [
  EVENTS_QUEUE,
  CAPTURE_QUEUE,
  RECEIPT_QUEUE,
  ALLOCATE_QUEUE,
  ORDER_COMPLETE_QUEUE,
] as const;

export interface CrashRunOptions {
  readonly server: CrashingServer;
  readonly workload: Workload;
  /** Kills of a serving process. */
  readonly kills: number;
  readonly clients: number;
  /**
   * How many answers the clients get from a process before it is killed, drawn
   * from this range: counted, not timed, so a slow machine runs the same
   * workload between kills, only slower.
   */
  readonly killAfterAnswers: readonly [number, number];
  /** The chance that a restart is first killed during its start-up. */
  readonly startKillChance: number;
  /** How long the workers get to settle every paid order after the last restart. */
  readonly settleDeadlineMs: number;
}

export interface CrashReport {
  /** How long the workers took to settle the paid orders after the last restart. */
  readonly settleMs: number;
  /** Writes in flight (sent, not answered) at each kill of a serving process. */
  readonly inFlightAtKill: number[];
  /** How far each process killed during its start-up had got. */
  readonly startKills: BootPhase[];
  readonly starts: number;
  /** How long each completed start took (ms). */
  readonly startMs: readonly number[];
  /** Processes that ended without the test ending them (crashingServer). */
  readonly unexpectedExits: readonly string[];
  readonly admin: Session;
}

interface QueueCounts {
  readonly name: string;
  readonly waiting: number;
  readonly pending: number;
  readonly running: number;
  readonly completed: number;
  readonly dead: number;
}

export async function crashRun(options: CrashRunOptions): Promise<CrashReport> {
  const { server, workload } = options;
  const killer = prng(workload.seed).fork('killer');
  const admin: Session = { ...DEMO_ACCOUNTS.admin, token: '' };
  const ctx: WorkloadContext = {
    url: server.url,
    up: () => server.up(),
    workload,
    admin,
    stopping: false,
  };
  await server.start();
  await signIn(ctx, admin);
  const flowsBefore = (await flowCounts(ctx)).get(ORDER_COMPLETE_QUEUE)!.completed;

  let failure: Error | undefined;
  const clients = Array.from({ length: options.clients }, (_, i) =>
    clientLoop(ctx, i, prng(workload.seed).fork(`client-${i}`)).catch((error: unknown) => {
      failure ??= asError(error);
      ctx.stopping = true;
    }),
  );
  const inFlightAtKill: number[] = [];
  const startKills: BootPhase[] = [];
  try {
    while (inFlightAtKill.length < options.kills && failure === undefined) {
      const answers = workload.answered + killer.int(...options.killAfterAnswers);
      const pause = killer.int(0, 20);
      const goingOn = () => failure === undefined && server.serving;
      await eventually(`${answers} answers`, () => workload.answered >= answers || !goingOn(), {
        timeoutMs: 300_000,
        intervalMs: 2,
      });
      // Then a few milliseconds more, so the kill lands anywhere in a request.
      await delay(pause);
      await eventually('a write is in flight', () => workload.inFlightWrites > 0 || !goingOn(), {
        timeoutMs: 60_000,
        intervalMs: 2,
      });
      // A process that ended by itself is started again below, like a killed one.
      if (goingOn()) {
        inFlightAtKill.push(workload.inFlightWrites);
        await server.kill();
      }
      if (killer.chance(options.startKillChance)) {
        startKills.push(await server.killDuringStart(killer.int(5, 100) / 100));
      }
      if (failure === undefined) await server.start();
    }
  } catch (error) {
    failure ??= asError(error);
  } finally {
    ctx.stopping = true;
    await Promise.all(clients);
  }
  if (failure !== undefined) throw failure;

  const settling = performance.now();
  const everPaid = workload.orders.filter((order) => order.everPaid).length;
  await eventually(
    `the workers settled the flows of all ${everPaid} paid orders`,
    async () => {
      const counts = await flowCounts(ctx);
      const dead = [...counts.values()].filter((queue) => queue.dead > 0);
      if (dead.length > 0) throw new Error(`dead jobs: ${JSON.stringify(dead)}`);
      const idle = [...counts.values()].every(
        (queue) => queue.waiting + queue.pending + queue.running === 0,
      );
      return idle && counts.get(ORDER_COMPLETE_QUEUE)!.completed - flowsBefore === everPaid;
    },
    { timeoutMs: options.settleDeadlineMs, intervalMs: 100 },
  );
  return {
    settleMs: Math.round(performance.now() - settling),
    inFlightAtKill,
    startKills,
    starts: server.starts,
    startMs: server.startMs,
    unexpectedExits: server.unexpectedExits,
    admin,
  };
}

/** The jobs dashboard's counts of the flow's queues. */
async function flowCounts(ctx: WorkloadContext): Promise<Map<string, QueueCounts>> {
  // A long run outlives an access token: withSession signs in again.
  const reply = await withSession(ctx, ctx.admin, (token) =>
    send(ctx, 'GET', '/api/v1/admin/jobs', { token }),
  );
  if ('lost' in reply || reply.status !== 200) {
    throw new Error(`jobs dashboard: ${JSON.stringify(reply)}`);
  }
  const all = reply.body.data as QueueCounts[];
  return new Map(
    all
      .filter((queue) => (FLOW_QUEUES as readonly string[]).includes(queue.name))
      .map((queue) => [queue.name, queue]),
  );
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
