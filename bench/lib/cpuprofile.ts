// Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and answers the
// questions a profile is for: which functions burn the most self time,
// which of them are ours, and how the total splits between our code,
// dependencies, Node internals and the garbage collector.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  /** 0-based. */
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  /** Microseconds between consecutive samples. */
  readonly timeDeltas: readonly number[];
}

export interface FrameTime {
  /** `name file:line`, file relative to the repository. */
  readonly frame: string;
  readonly area: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

export interface ProfileSummary {
  readonly windowMs: number;
  readonly byArea: readonly { area: string; selfMs: number }[];
  readonly frames: readonly FrameTime[];
  /**
   * Time per part of our code, Node's work on its behalf included: each
   * sample goes to the innermost frame of ours on its stack (so a header
   * validated by node:http for the security-headers stage, or the log line
   * pino writes for the access log, counts for that stage). Samples with no
   * frame of ours — parsing the request, writing the response, timers, the
   * garbage collector, idle — go to what they are.
   */
  readonly byComponent: readonly { component: string; ms: number }[];
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function relative(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(REPO_ROOT) ? path.slice(REPO_ROOT.length) : path;
}

/** Where a frame lives: our source, a dependency (by package), Node itself, or a V8 pseudo-frame. */
function areaOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const path = relative(url);
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (dep !== null) return `dep: ${dep[1]!}`;
  if (path.startsWith('src/')) return 'throughline src';
  if (path.startsWith('bench/')) return 'bench server';
  return 'other';
}

/**
 * The part of our code a source file belongs to: a middleware's folder, or
 * the folder under src/http, src/platform, src/modules (one level down).
 */
export function componentOf(path: string): string | undefined {
  if (!path.startsWith('src/')) return undefined;
  const parts = path.split('/');
  if (parts[1] === 'http' && parts[2] === 'middleware') return parts.slice(1, 4).join('/');
  if (parts.length <= 3) return parts.slice(1).join('/').replace(/\.ts$/, '');
  return parts.slice(1, 3).join('/');
}

function frameName(frame: CallFrame): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  return `${name} ${relative(frame.url)}:${frame.lineNumber + 1}`;
}

/**
 * Self and total time per frame, counting only samples taken at least
 * `skipMs` after the profile started (so start-up and warm-up are left out).
 */
export function summariseProfile(file: string, skipMs = 0): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  const componentOfNode = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.url === '') continue;
      const component = componentOf(relative(frame.url));
      if (component !== undefined) return component;
    }
    const frame = byId.get(id)!.callFrame;
    const area = areaOf(frame);
    return area === 'node internals' || area === '(native)' ? `node (no frame of ours)` : area;
  };
  const selfUs = new Map<number, number>();
  let clock = 0;
  let windowUs = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    clock += timeDeltas[i] ?? 0;
    // The time until the next sample is spent where this sample was taken.
    const spent = timeDeltas[i + 1] ?? 0;
    if (clock / 1000 < skipMs) continue;
    windowUs += spent;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + spent);
  }

  const components = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const component = componentOfNode(id);
    components.set(component, (components.get(component) ?? 0) + us);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  const areaByFrame = new Map<string, string>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const key = frameName(frame);
    self.set(key, (self.get(key) ?? 0) + us);
    const area = areaOf(frame);
    areaByFrame.set(key, area);
    areas.set(area, (areas.get(area) ?? 0) + us);
    // Inclusive time: credit every distinct frame on the stack once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      const k = frameName(f);
      if (seen.has(k)) continue;
      seen.add(k);
      areaByFrame.set(k, areaOf(f));
      total.set(k, (total.get(k) ?? 0) + us);
    }
  }
  const frames = [...total.keys()].map((frame) => ({
    frame,
    area: areaByFrame.get(frame)!,
    selfMs: (self.get(frame) ?? 0) / 1000,
    totalMs: total.get(frame)! / 1000,
  }));
  return {
    windowMs: windowUs / 1000,
    byArea: [...areas]
      .map(([area, us]) => ({ area, selfMs: us / 1000 }))
      .sort((a, b) => b.selfMs - a.selfMs),
    frames,
    byComponent: [...components]
      .map(([component, us]) => ({ component, ms: us / 1000 }))
      .sort((a, b) => b.ms - a.ms),
  };
}
