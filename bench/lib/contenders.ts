// Who is measured. Every contender is a script under bench/servers/ that
// registers the same routes and prints `{"port":…}` once listening.
//
// Two pairs compare like with like: the bare frameworks (routing, parsing,
// validation, nothing else), and the full pipelines (access log, security
// headers, compression, authentication, CORS, rate limits, ETags) —
// Throughline's as the service installs it, Fastify's from its official
// plugins. docs/performance.md says what still differs within each pair.

export type ContenderId =
  | 'raw-node'
  | 'fastify'
  | 'fastify-matched'
  | 'throughline-bare'
  | 'throughline-default'
  | 'throughline-no-metrics'
  | 'throughline-tracing-0'
  | 'throughline-tracing-10'
  | 'throughline-tracing-100';

export interface Contender {
  readonly id: ContenderId;
  readonly label: string;
  /** Relative to bench/servers/. */
  readonly script: string;
  readonly args: readonly string[];
  /** Baselines are what the subjects are compared against (report.ts TARGETS). */
  readonly role: 'baseline' | 'subject';
}

export const CONTENDERS: readonly Contender[] = [
  { id: 'raw-node', label: 'raw node:http', script: 'raw-node.ts', args: [], role: 'baseline' },
  { id: 'fastify', label: 'fastify', script: 'fastify.ts', args: [], role: 'baseline' },
  {
    id: 'fastify-matched',
    label: 'fastify + plugins',
    script: 'fastify-matched.ts',
    args: [],
    role: 'baseline',
  },
  {
    id: 'throughline-bare',
    label: 'throughline (bare)',
    script: 'throughline.ts',
    args: ['bare'],
    role: 'subject',
  },
  {
    id: 'throughline-default',
    label: 'throughline (default pipeline)',
    script: 'throughline.ts',
    args: ['default'],
    role: 'subject',
  },
  {
    // The default pipeline with METRICS_ENABLED=false: beside it, what the
    // request metrics cost. No target of its own.
    id: 'throughline-no-metrics',
    label: 'throughline (pipeline, metrics off)',
    script: 'throughline.ts',
    args: ['default-no-metrics'],
    role: 'subject',
  },
  {
    // Tracing installed (SDK, context manager, request tracer, log mixin) but
    // no request kept: beside the default pipeline, what being ready to
    // trace costs every request, apart from what each kept one costs.
    id: 'throughline-tracing-0',
    label: 'throughline (pipeline, tracing 0 %)',
    script: 'throughline.ts',
    args: ['default-tracing-0'],
    role: 'subject',
  },
  {
    // The default pipeline (metrics on) with tracing sampling 10 % of the
    // requests: against metrics off, what metrics and tracing cost together.
    id: 'throughline-tracing-10',
    label: 'throughline (pipeline, tracing 10 %)',
    script: 'throughline.ts',
    args: ['default-tracing-10'],
    role: 'subject',
  },
  {
    id: 'throughline-tracing-100',
    label: 'throughline (pipeline, tracing 100 %)',
    script: 'throughline.ts',
    args: ['default-tracing-100'],
    role: 'subject',
  },
];

export function findContender(id: string): Contender | undefined {
  return CONTENDERS.find((c) => c.id === id);
}
