// Starts the test OpenID Connect provider (main.ts) as a child process and
// talks to it over stdin/stdout.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { COMPILE_CACHE_ENV } from '../process.ts';

const ENTRY = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface ProviderClient {
  readonly client_id: string;
  readonly client_secret: string;
  readonly redirect_uris: string[];
}

export interface TestProvider {
  readonly issuer: string;
  /** Replaces the signing key; resolves with the new key's `kid` once in use. */
  rotateKeys(): Promise<string>;
  close(): Promise<void>;
}

export async function startTestProvider(options: {
  clients: ProviderClient[];
  /** Shifts the provider's clock: its tokens are issued (and expire) that far off. */
  clockOffsetSeconds?: number;
}): Promise<TestProvider> {
  const child = spawn(process.execPath, [ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      ...COMPILE_CACHE_ENV,
      OIDC_CLIENTS: JSON.stringify(options.clients),
      CLOCK_OFFSET_S: String(options.clockOffsetSeconds ?? 0),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'close');
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();

  async function nextMessage(): Promise<Record<string, string>> {
    const next = await Promise.race([
      lines.next(),
      exited.then(() => {
        throw new Error(`test provider exited; stderr: ${stderr}`);
      }),
    ]);
    if (next.done === true) throw new Error(`test provider closed stdout; stderr: ${stderr}`);
    // oidc-provider prints its own warnings to stdout: only our lines are JSON.
    if (!next.value.startsWith('{')) return nextMessage();
    return JSON.parse(next.value) as Record<string, string>;
  }

  const { issuer } = await nextMessage();
  return {
    issuer: issuer!,
    async rotateKeys() {
      child.stdin.write('rotate\n');
      return (await nextMessage()).rotated!;
    },
    async close() {
      child.stdin.end();
      child.kill();
      await exited;
    },
  };
}
