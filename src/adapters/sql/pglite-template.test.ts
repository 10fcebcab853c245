// The template's rules, without an engine (a stand-in database copies fixed
// files): only an empty data directory is filled, a missing template means
// "create in place", a save in progress elsewhere is not waited for, and
// failures are reported without touching the data directory. (A real
// database saved and copied is covered by test/e2e/boot.test.ts.)

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { lockDirectory } from '../../platform/directory-lock.ts';
import {
  fillFromTemplate,
  saveTemplate,
  templateKey,
  type PgliteTemplate,
} from './pglite-template.ts';

async function scratch(t: TestContext): Promise<{ root: string; dataDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'throughline-template-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data', 'pglite');
  await mkdir(dataDir, { recursive: true });
  return { root: join(dir, 'templates'), dataDir };
}

function template(root: string, problems: unknown[] = []): PgliteTemplate {
  return { root, contents: 'migrations v1', onUnavailable: (error) => problems.push(error) };
}

/** Stands in for a prepared database: its "files" are a PG_VERSION and one page. */
const preparedDatabase = {
  async copyFiles(target: string) {
    await mkdir(join(target, 'base'), { recursive: true });
    await writeFile(join(target, 'PG_VERSION'), '18\n');
    await writeFile(join(target, 'base', '1'), 'pages');
  },
};

test('a data directory that holds anything is left alone', async (t) => {
  const { root, dataDir } = await scratch(t);
  await writeFile(join(dataDir, 'PG_VERSION'), '18\n');
  const problems: unknown[] = [];
  assert.equal(await fillFromTemplate(dataDir, template(root, problems)), 'existing');
  assert.deepEqual(await readdir(dataDir), ['PG_VERSION']);
  assert.deepEqual(problems, []);
});

test('without a template, the directory stays empty for the database to be created in place', async (t) => {
  const { root, dataDir } = await scratch(t);
  assert.equal(await fillFromTemplate(dataDir, template(root)), 'absent');
  assert.deepEqual(await readdir(dataDir), []);
});

test('a saved template is copied into the next empty data directory, whole', async (t) => {
  const { root, dataDir } = await scratch(t);
  assert.equal(await saveTemplate(preparedDatabase, template(root)), true);
  assert.equal(await saveTemplate(preparedDatabase, template(root)), false, 'saved once');

  assert.equal(await fillFromTemplate(dataDir, template(root)), 'copied');
  assert.equal(await readFile(join(dataDir, 'PG_VERSION'), 'utf8'), '18\n');
  assert.equal(await readFile(join(dataDir, 'base', '1'), 'utf8'), 'pages');
  // Copied beside the data directory and renamed into place: nothing else is left there.
  assert.deepEqual(await readdir(join(dataDir, '..')), ['pglite']);
  // Another set of contents is another template.
  assert.equal(await fillFromTemplate(dataDir, { ...template(root), contents: 'v2' }), 'existing');
  const other = join(dataDir, '..', 'other');
  await mkdir(other);
  assert.equal(await fillFromTemplate(other, { ...template(root), contents: 'v2' }), 'absent');
});

test('while another process saves the template, this one does not wait and saves nothing', async (t) => {
  const { root } = await scratch(t);
  await mkdir(root, { recursive: true });
  const saving = await lockDirectory(join(root, `${await templateKey(template(root))}.lock`));
  t.after(() => saving.release());
  const problems: unknown[] = [];

  assert.equal(await saveTemplate(preparedDatabase, template(root, problems)), false);
  assert.deepEqual(
    (await readdir(root)).filter((name) => !name.endsWith('.lock')),
    [],
  );
  assert.deepEqual(problems, []);
});

test('a template that cannot be saved is reported and leaves nothing behind', async (t) => {
  const { dataDir } = await scratch(t);
  // A file where the template directory should be: nothing can be created under it.
  const root = join(dataDir, '..', 'not-a-directory');
  await writeFile(root, '');
  const problems: unknown[] = [];

  assert.equal(await saveTemplate(preparedDatabase, template(root, problems)), false);
  assert.equal(problems.length, 1);
  assert.equal(await fillFromTemplate(dataDir, template(root, problems)), 'absent');
  assert.deepEqual(await readdir(dataDir), []);
});
