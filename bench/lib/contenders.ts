// Who is measured. Every contender is a script under bench/servers/ that
// registers the same routes and prints `{"port":…}` once listening.

export type ContenderId = 'raw-node' | 'fastify' | 'throughline-bare' | 'throughline-default';

export interface Contender {
  readonly id: ContenderId;
  readonly label: string;
  /** Relative to bench/servers/. */
  readonly script: string;
  readonly args: readonly string[];
  /** Baselines are what the subjects are compared against. */
  readonly role: 'raw-baseline' | 'fastify-baseline' | 'subject';
}

export const CONTENDERS: readonly Contender[] = [
  { id: 'raw-node', label: 'raw node:http', script: 'raw-node.ts', args: [], role: 'raw-baseline' },
  { id: 'fastify', label: 'fastify', script: 'fastify.ts', args: [], role: 'fastify-baseline' },
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
];

export function findContender(id: string): Contender | undefined {
  return CONTENDERS.find((c) => c.id === id);
}
