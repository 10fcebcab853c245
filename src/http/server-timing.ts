// A per-request collector for the `Server-Timing` header (W3C Server Timing):
//   Server-Timing: db;dur=12.5;desc="orders query", render;dur=0.8
// Timings reveal how long internal work took, which can help an attacker
// (e.g. to tell a cache hit or an existing account apart); expose the header
// only to trusted callers or in non-production environments.

export interface ServerTiming {
  /** Starts (or restarts) a named measurement. */
  start(name: string, description?: string): void;
  /** Ends a measurement; returns its duration in ms, or undefined if it was never started. */
  end(name: string): number | undefined;
  /** Records a duration measured elsewhere. */
  add(name: string, durationMs: number, description?: string): void;
  /** The header value, or undefined when nothing was recorded. Unended measurements are left out. */
  header(): string | undefined;
}

/** Beyond this many metrics, further ones are dropped: the header must stay small. */
const MAX_METRICS = 32;

/** token = 1*tchar (RFC 9110 §5.6.2): the metric-name grammar. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function checkName(name: string): void {
  if (!TOKEN.test(name)) {
    throw new TypeError(`Server-Timing metric name must be a token, got "${name}"`);
  }
}

/** Up to three decimals without trailing zeros, but at least one: `12.5`, `3.0`, `0.125`. */
function formatDuration(ms: number): string {
  const fixed = Math.max(0, ms).toFixed(3);
  let end = fixed.length;
  while (end > fixed.length - 2 && fixed.charCodeAt(end - 1) === 0x30) end--;
  return fixed.slice(0, end);
}

/**
 * A quoted-string. Backslash and quote are escaped; characters a header value
 * cannot carry (controls, DEL, beyond Latin-1) are dropped so a description can
 * never break or inject into the header block.
 */
function quote(text: string): string {
  const clean = text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
  return `"${clean.replace(/["\\]/g, '\\$&')}"`;
}

interface Metric {
  readonly name: string;
  readonly duration: number;
  readonly description: string | undefined;
}

export function createServerTiming(now: () => number = () => performance.now()): ServerTiming {
  const metrics: Metric[] = [];
  const running = new Map<string, { readonly startedAt: number; readonly description?: string }>();

  function add(name: string, durationMs: number, description?: string): void {
    checkName(name);
    if (metrics.length >= MAX_METRICS || !Number.isFinite(durationMs)) return;
    metrics.push({ name, duration: durationMs, description });
  }

  return {
    start(name, description) {
      checkName(name);
      running.set(
        name,
        description === undefined ? { startedAt: now() } : { startedAt: now(), description },
      );
    },
    end(name) {
      const started = running.get(name);
      if (started === undefined) return undefined;
      running.delete(name);
      const duration = now() - started.startedAt;
      add(name, duration, started.description);
      return duration;
    },
    add,
    header() {
      if (metrics.length === 0) return undefined;
      let value = '';
      for (const { name, duration, description } of metrics) {
        if (value !== '') value += ', ';
        value += `${name};dur=${formatDuration(duration)}`;
        if (description !== undefined) value += `;desc=${quote(description)}`;
      }
      return value;
    },
  };
}
