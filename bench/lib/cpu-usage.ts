// How busy each process — and the rest of the machine — was during a
// measurement, from /proc (Linux only; elsewhere the numbers are absent).
// This tells a real result from a disturbed one: a server below ~90% of its
// core was waiting for requests, a load generator near 100% of its core could
// not send more, and CPU used by other processes was taken from one of them.

import { readFileSync } from 'node:fs';

/** USER_HZ: /proc reports CPU time in these ticks; it is 100 on every mainstream Linux build. */
const TICKS_PER_SECOND = 100;

function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after it are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** CPU time a process has used so far (all its threads, user + system), in ms; undefined without /proc. */
export function processCpuMs(pid: number): number | undefined {
  const ticks = processTicks(pid);
  return ticks === undefined ? undefined : (ticks * 1000) / TICKS_PER_SECOND;
}

/**
 * Busy ticks over all CPUs: user + nice + system + irq + softirq. Interrupt
 * time must be counted: loopback traffic is processed in softirq context,
 * which /proc/stat files under softirq but the kernel charges to the task
 * that happened to be running (our server's stime), so leaving it out would
 * hide other processes' load behind our own.
 */
function machineTicks(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).map(Number);
    return user! + nice! + system! + irq! + softirq!;
  } catch {
    return undefined;
  }
}

interface Sample {
  readonly at: number;
  readonly machine: number | undefined;
  readonly pids: readonly number[];
}

export interface CpuUsage {
  /** Fraction of one core each process used, by pid. */
  readonly byPid: ReadonlyMap<number, number | undefined>;
  /** Cores used by every other process on the machine in the same window. */
  readonly others: number | undefined;
}

export interface CpuTracker {
  stop(): CpuUsage;
}

function takeSample(pids: readonly number[]): Sample | undefined {
  const at = performance.now();
  const ticks: number[] = [];
  for (const pid of pids) {
    const t = processTicks(pid);
    if (t === undefined) return undefined;
    ticks.push(t);
  }
  return { at, machine: machineTicks(), pids: ticks };
}

/**
 * Samples every `intervalMs` and keeps the first and the latest readings.
 * A reading counts only when every process answers, so all windows end at
 * the last moment the load generator was still running (at most one interval
 * before it exited) and the server's idle tail after the run is not counted.
 */
export function trackCpu(pids: readonly number[], intervalMs = 200): CpuTracker {
  let first: Sample | undefined;
  let last: Sample | undefined;
  const sample = (): void => {
    const s = takeSample(pids);
    if (s === undefined) return;
    first ??= s;
    last = s;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const seconds = first !== undefined && last !== undefined ? (last.at - first.at) / 1000 : 0;
      const byPid = new Map<number, number | undefined>();
      if (seconds < 0.4) {
        for (const pid of pids) byPid.set(pid, undefined);
        return { byPid, others: undefined };
      }
      let ours = 0;
      pids.forEach((pid, i) => {
        const used = (last!.pids[i]! - first!.pids[i]!) / TICKS_PER_SECOND;
        ours += used;
        byPid.set(pid, used / seconds);
      });
      const machine =
        first!.machine === undefined || last!.machine === undefined
          ? undefined
          : (last!.machine - first!.machine) / TICKS_PER_SECOND;
      const others = machine === undefined ? undefined : Math.max(0, machine - ours) / seconds;
      return { byPid, others };
    },
  };
}

/** Cores the whole machine keeps busy over `ms` while we run nothing. */
export async function machineBusy(ms: number): Promise<number | undefined> {
  const tracker = trackCpu([], ms);
  await new Promise((resolve) => setTimeout(resolve, ms + 20));
  return tracker.stop().others;
}
