import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConsoleAssets } from './assets.ts';

test('TypeScript is served with its types stripped, CSS as it is, anything else not at all', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'console-assets-'));
  try {
    await writeFile(
      join(dir, 'main.ts'),
      'const n: number = 1;\nexport const twice = (x: number): number => x * n * 2;\n',
    );
    await writeFile(join(dir, 'style.css'), 'body { margin: 0; }\n');
    await writeFile(join(dir, 'tsconfig.json'), '{}');
    await writeFile(join(dir, 'notes.d.ts'), 'declare const x: number;');
    const assets = loadConsoleAssets(dir);

    const script = assets.get('main.ts');
    assert.equal(script?.contentType, 'text/javascript; charset=utf-8');
    assert.doesNotMatch(script.body, /: number/);
    const module = (await import(`data:text/javascript,${encodeURIComponent(script.body)}`)) as {
      twice: (x: number) => number;
    };
    assert.equal(module.twice(3), 6);

    assert.deepEqual(assets.get('style.css'), {
      body: 'body { margin: 0; }\n',
      contentType: 'text/css; charset=utf-8',
    });
    assert.equal(assets.get('tsconfig.json'), undefined);
    assert.equal(assets.get('notes.d.ts'), undefined);
    assert.equal(assets.get('../assets.ts'), undefined);
    assert.match(assets.version, /^[A-Za-z0-9_-]{16}$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the version changes with any file, and only then', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'console-assets-'));
  try {
    await writeFile(join(dir, 'a.ts'), 'export const a = 1;\n');
    const first = loadConsoleAssets(dir).version;
    assert.equal(loadConsoleAssets(dir).version, first);
    await writeFile(join(dir, 'a.css'), 'p { color: black; }\n');
    assert.notEqual(loadConsoleAssets(dir).version, first);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('every file of the console itself loads', () => {
  const assets = loadConsoleAssets();
  for (const file of ['main.ts', 'api.ts', 'dom.ts', 'pages.ts', 'console.css']) {
    assert.ok(assets.get(file) !== undefined, file);
  }
});
