// The Dockerfile follows the rules a linter such as hadolint would hold it to
// (pinned bases, exec form, a non-root USER, npm ci), plus this project's
// own: the build stage's Node is the lockfile's, the entry point is that Node
// binary run directly (`npm start` would swallow SIGTERM), the health check
// asks /livez, and .dockerignore lets in what the image runs and nothing
// else. When a hadolint binary is installed, it lints the file too.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  dockerContextIncludes,
  execForm,
  parseDockerfile,
  withoutFlags,
  type Instruction,
} from '../support/dockerfile.ts';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

const dockerfile = read('Dockerfile');
const stages = parseDockerfile(dockerfile);
const final = stages.at(-1)!;
const all = stages.flatMap((stage) => stage.instructions);
const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };

function only(stageInstructions: readonly Instruction[], keyword: string): Instruction {
  const found = stageInstructions.filter((instruction) => instruction.keyword === keyword);
  assert.equal(found.length, 1, `exactly one ${keyword} in the final stage`);
  return found[0]!;
}

describe('Dockerfile', () => {
  test('is multi-stage, every base pinned to a version tag (never latest)', () => {
    assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
    const names = new Set(stages.map((stage) => stage.name).filter(Boolean));
    for (const stage of stages) {
      if (names.has(stage.image)) continue; // FROM an earlier stage
      const tag = /^[^@]+:([^:@/]+)(@sha256:[0-9a-f]{64})?$/.exec(stage.image)?.[1];
      assert.ok(tag !== undefined, `${stage.image} has an explicit tag`);
      assert.notEqual(tag, 'latest', `${stage.image} is not :latest`);
    }
  });

  test("builds with the lockfile's Node version", () => {
    const build = stages.find((stage) => stage.image.startsWith('node:'));
    assert.ok(build, 'a stage on the official node image runs npm ci');
    assert.ok(
      build.image.startsWith(`node:${pkg.dependencies.node}-`),
      `${build.image} matches the node dependency ${pkg.dependencies.node}`,
    );
  });

  test('installs with npm ci, production dependencies only, and never runs npm start', () => {
    const runs = all.filter((instruction) => instruction.keyword === 'RUN');
    const installs = runs.filter((run) => /\bnpm\s+(ci|install|i)\b/.test(run.args));
    assert.ok(installs.length > 0, 'dependencies are installed');
    for (const run of installs) {
      assert.doesNotMatch(
        run.args,
        /\bnpm\s+(install|i)\b/,
        `line ${run.line}: npm ci, not install`,
      );
      assert.match(run.args, /--omit=dev/, `line ${run.line}: no dev dependencies`);
    }
    assert.doesNotMatch(dockerfile.replace(/^\s*#.*$/gm, ''), /npm\s+(run\s+)?start/);
  });

  test('uses COPY, absolute WORKDIRs and no sudo', () => {
    for (const instruction of all) {
      const where = `line ${instruction.line}`;
      assert.notEqual(instruction.keyword, 'ADD', `${where}: COPY, not ADD`);
      if (instruction.keyword === 'WORKDIR') assert.match(instruction.args, /^\//, where);
      if (instruction.keyword === 'RUN') assert.doesNotMatch(instruction.args, /\bsudo\b/, where);
      if (instruction.keyword === 'COPY' && /--from=/.test(instruction.args)) {
        const from = /--from=(\S+)/.exec(instruction.args)![1]!;
        const earlier = stages.slice(0, instruction.stage).map((stage) => stage.name);
        assert.ok(earlier.includes(from), `${where}: --from=${from} names an earlier stage`);
      }
    }
  });

  test('runs as a numeric non-root user, set before the entry point', () => {
    const user = only(final.instructions, 'USER');
    const uid = user.args.split(':')[0]!;
    assert.match(uid, /^\d+$/, 'numeric, so runAsNonRoot can verify it');
    assert.notEqual(Number(uid), 0);
    const entry = only(final.instructions, 'ENTRYPOINT');
    assert.ok(user.line < entry.line, 'USER comes before ENTRYPOINT');
  });

  test('starts the Node binary from node_modules directly, in exec form', () => {
    const entry = execForm(only(final.instructions, 'ENTRYPOINT').args);
    const cmd = execForm(only(final.instructions, 'CMD').args);
    assert.ok(entry, 'ENTRYPOINT in exec form: node is PID 1 and gets the signals');
    assert.ok(cmd, 'CMD in exec form');
    const nodePkg = JSON.parse(read('node_modules/node/package.json')) as {
      bin: { node: string };
    };
    assert.deepEqual(entry, [`/app/node_modules/node/${nodePkg.bin.node}`]);
    assert.deepEqual(cmd, ['src/wiring/main.ts']);
    assert.ok(existsSync(new URL(cmd[0]!, ROOT)), `${cmd[0]} exists`);
  });

  test('has a HEALTHCHECK on /livez that needs no curl', () => {
    const check = only(final.instructions, 'HEALTHCHECK');
    const command = execForm(withoutFlags(check.args).replace(/^CMD\s+/, ''));
    assert.ok(command, 'exec form');
    assert.equal(command[0], '/app/node_modules/node/bin/node');
    assert.match(command.join(' '), /\/livez/);
  });

  test('.dockerignore lets in what the image runs, and nothing else', () => {
    const ignore = read('.dockerignore');
    for (const path of [
      'package.json',
      'package-lock.json',
      'src/wiring/main.ts',
      'src/wiring/worker.ts',
      'src/modules/console/client/main.ts',
      'scripts/migrate.ts',
      'migrations/0001_init.sql',
    ]) {
      assert.ok(dockerContextIncludes(ignore, path), `${path} reaches the build`);
    }
    for (const path of [
      'node_modules/pg/package.json',
      '.env',
      '.git/HEAD',
      'data/pglite/PG_VERSION',
      'src/wiring/modules.test.ts',
      'test/e2e/shop.test.ts',
      'scripts/seed.ts',
      'Dockerfile',
    ]) {
      assert.ok(!dockerContextIncludes(ignore, path), `${path} stays out`);
    }
    // Every COPY from the context names something that reaches it.
    for (const copy of all.filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))) {
      const sources = withoutFlags(copy.args).split(/\s+/).slice(0, -1);
      for (const source of sources) {
        const path = source.replace(/\/$/, '');
        assert.ok(existsSync(new URL(path, ROOT)), `line ${copy.line}: ${path} exists`);
        assert.ok(dockerContextIncludes(ignore, path), `line ${copy.line}: ${path} not ignored`);
      }
    }
  });

  test('passes hadolint', (t) => {
    const found = spawnSync('hadolint', ['--version'], { encoding: 'utf8' });
    if (found.error !== undefined) {
      t.skip('hadolint is not installed (no npm package carries it): the rules above stand in');
      return;
    }
    const lint = spawnSync('hadolint', ['Dockerfile'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  });
});
