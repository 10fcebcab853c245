import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { logDestination } from './log-destination.ts';

const MODULE = fileURLToPath(new URL('./log-destination.ts', import.meta.url));

/** Runs `body` (ES module code with `logDestination` in scope) in a child Node process. */
function runChild(body: string, onStdout?: (child: ReturnType<typeof spawn>) => void) {
  const source = `import { logDestination } from ${JSON.stringify(MODULE)};\n${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '--eval', source], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  onStdout?.(child);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** A line per index, with characters of one to four UTF-8 bytes. */
const lineFor = (i: number) => `${JSON.stringify({ i, text: `é€😀 ${'x'.repeat(i % 300)}` })}\n`;

describe('logDestination', () => {
  test('bursts of lines written while a write is out arrive whole and in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'throughline-log-'));
    try {
      const path = join(dir, 'out.log');
      const destination = logDestination(path);
      const expected: string[] = [];
      for (let burst = 0; burst < 50; burst++) {
        for (let i = 0; i < 100; i++) {
          const line = lineFor(burst * 100 + i);
          expected.push(line);
          destination.write(line);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      const all = expected.join('');
      // Wait for the writes still under way rather than a time.
      let written = '';
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        written = readFileSync(path, 'utf8');
        if (written.length >= all.length) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Compared as a length and a flag: a failure must not print a megabyte.
      assert.equal(written.length, all.length);
      assert.ok(written === all, 'the lines differ from those written');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('lines still waiting when the process exits are written to stdout', async () => {
    const { code, stdout } = await runChild(`
      const destination = logDestination();
      for (let i = 0; i < 20000; i++) destination.write(JSON.stringify({ i, text: 'é€😀' }) + '\\n');
      process.exit(0);
    `);
    assert.equal(code, 0);
    // Every line, whichever order the write under way at exit and the final one landed in.
    const numbers = stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { i: number; text: string }).i)
      .sort((a, b) => a - b);
    assert.equal(numbers.length, 20000);
    assert.ok(
      numbers.every((n, index) => n === index),
      'a line is missing or doubled',
    );
  });

  test('once the reader of stdout has gone, writing goes on without an error', async () => {
    const { code, stderr } = await runChild(
      `
      const destination = logDestination();
      let i = 0;
      const timer = setInterval(() => {
        for (let n = 0; n < 100; n++) destination.write('line ' + i++ + '\\n');
        if (i >= 20000) {
          clearInterval(timer);
          process.stderr.write('still running\\n');
        }
      }, 1);
    `,
      (child) => {
        // Close the pipe at the first output: later writes meet EPIPE.
        child.stdout!.once('data', () => child.stdout!.destroy());
      },
    );
    assert.equal(code, 0, stderr);
    assert.match(stderr, /still running/);
    assert.doesNotMatch(stderr, /Error/);
  });
});
