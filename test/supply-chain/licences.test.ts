import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseSpdx, refusedLicences, SpdxSyntaxError } from '../../scripts/supply-chain/spdx.ts';
import {
  declaredLicence,
  judge,
  licenceProblem,
  productionPackages,
  type ProductionPackage,
} from '../../scripts/supply-chain/licences.ts';
import { UNDECLARED } from '../../scripts/supply-chain/licence-policy.ts';

const run = promisify(execFile);
const permissive = new Set(['MIT', 'ISC', 'Apache-2.0']);
const allowed = (id: string): boolean => permissive.has(id);
const refused = (expression: string): string[] => refusedLicences(parseSpdx(expression), allowed);

test('SPDX: AND binds tighter than OR, parentheses override it', () => {
  assert.deepEqual(parseSpdx('MIT OR GPL-3.0 AND ISC'), {
    kind: 'or',
    left: { kind: 'licence', id: 'MIT', orLater: false },
    right: {
      kind: 'and',
      left: { kind: 'licence', id: 'GPL-3.0', orLater: false },
      right: { kind: 'licence', id: 'ISC', orLater: false },
    },
  });
  assert.deepEqual(refused('GPL-3.0 OR MIT AND ISC'), []);
  assert.deepEqual(refused('(GPL-3.0 OR MIT) AND ISC'), []);
  assert.deepEqual(refused('(GPL-3.0 OR MIT) AND LGPL-2.1'), ['LGPL-2.1']);
  assert.deepEqual(refused('GPL-3.0 OR (MIT AND LGPL-2.1)'), ['GPL-3.0', 'LGPL-2.1']);
});

test('SPDX: OR needs one acceptable side, AND needs every side', () => {
  assert.deepEqual(refused('MIT OR GPL-2.0'), []);
  assert.deepEqual(refused('GPL-2.0 OR MIT'), []);
  assert.deepEqual(refused('MIT AND GPL-2.0'), ['GPL-2.0']);
  assert.deepEqual(refused('GPL-2.0 OR AGPL-3.0'), ['GPL-2.0', 'AGPL-3.0']);
  assert.deepEqual(refused('((MIT))'), []);
});

test('SPDX: WITH rests on its licence, "+" on its base, lower-case operators work', () => {
  assert.deepEqual(refused('Apache-2.0 WITH LLVM-exception'), []);
  assert.deepEqual(refused('GPL-2.0 WITH Classpath-exception-2.0'), ['GPL-2.0']);
  assert.deepEqual(refused('Apache-2.0+'), []);
  assert.deepEqual(refused('GPL-2.0+'), ['GPL-2.0+']);
  assert.deepEqual(refused('MIT or GPL-2.0'), []);
  assert.deepEqual(refused('GPL-2.0 with Classpath-exception-2.0 or ISC'), []);
});

test('SPDX: malformed expressions are refused, not guessed at', () => {
  for (const bad of [
    '',
    '   ',
    'MIT OR',
    'OR MIT',
    '(MIT',
    'MIT)',
    'MIT ISC',
    'MIT WITH',
    'MIT/X11',
    '+',
  ]) {
    assert.throws(() => parseSpdx(bad), SpdxSyntaxError, bad);
  }
  assert.match(licenceProblem('MIT/X11') ?? '', /not an SPDX expression/);
  assert.match(licenceProblem('SEE LICENSE IN LICENSE.txt') ?? '', /not an SPDX expression/);
});

test('licence policy: identifiers match without regard to case; undeclared is a problem', () => {
  assert.equal(licenceProblem('MIT'), undefined);
  assert.equal(licenceProblem('apache-2.0'), undefined);
  assert.equal(licenceProblem('(MIT OR Apache-2.0)'), undefined);
  assert.equal(licenceProblem('BlueOak-1.0.0 AND 0BSD'), undefined);
  assert.equal(licenceProblem(UNDECLARED), 'no licence declared');
  assert.equal(licenceProblem('AGPL-3.0-only'), 'not on the allow-list: AGPL-3.0-only');
});

test('declared licence: string, object and the legacy licenses array', () => {
  assert.equal(declaredLicence({ license: 'ISC' }), 'ISC');
  assert.equal(declaredLicence({ license: { type: 'MIT', url: 'x' } }), 'MIT');
  assert.equal(declaredLicence({ licenses: [{ type: 'MIT', url: 'x' }] }), 'MIT');
  assert.equal(
    declaredLicence({ licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] }),
    '(MIT) OR (Apache-2.0)',
  );
  assert.equal(declaredLicence({ licenses: [{ url: 'x' }] }), UNDECLARED);
  assert.equal(declaredLicence({ license: '  ' }), UNDECLARED);
  assert.equal(declaredLicence({}), UNDECLARED);
});

const pkg = (name: string, declared: string): ProductionPackage => ({
  name,
  version: '1.0.0',
  path: `node_modules/${name}`,
  declared,
});

test('exceptions match name and declared licence; a changed licence is refused again', () => {
  const exception = { name: 'libfoo', declared: 'LGPL-3.0-only', reason: 'dynamically loaded' };
  const report = judge(
    [pkg('ok', 'MIT'), pkg('libfoo', 'LGPL-3.0-only'), pkg('other', 'LGPL-3.0-only')],
    [exception],
  );
  assert.equal(report.checked, 3);
  assert.deepEqual(
    report.excepted.map((p) => p.name),
    ['libfoo'],
  );
  assert.deepEqual(
    report.refused.map((r) => [r.pkg.name, r.why]),
    [['other', 'not on the allow-list: LGPL-3.0-only']],
  );
  assert.deepEqual(report.unusedExceptions, []);

  const relicensed = judge([pkg('libfoo', 'GPL-3.0-only')], [exception]);
  assert.deepEqual(
    relicensed.refused.map((r) => r.pkg.name),
    ['libfoo'],
  );
  assert.deepEqual(relicensed.unusedExceptions, [exception]);
});

test('the production tree comes from the lockfile, read from installed manifests', async () => {
  const root = await mkdtemp(join(tmpdir(), 'licences-'));
  try {
    await writeFile(
      join(root, 'package-lock.json'),
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { name: 'app' },
          'node_modules/a': { version: '1.0.0', license: 'MIT' },
          'node_modules/legacy': { version: '2.0.0' },
          'node_modules/absent-binary': { version: '3.0.0', license: 'GPL-3.0', optional: true },
          'node_modules/tool': { version: '4.0.0', license: 'GPL-3.0', dev: true },
          'node_modules/a/node_modules/@s/b': { version: '5.0.0', license: 'ISC' },
        },
      }),
    );
    for (const [path, manifest] of [
      ['node_modules/a', { name: 'a', version: '1.0.0', license: 'MIT' }],
      [
        'node_modules/legacy',
        { name: 'legacy', version: '2.0.0', licenses: [{ type: 'BSD-3-Clause' }] },
      ],
      ['node_modules/a/node_modules/@s/b', { name: '@s/b', version: '5.0.0', license: 'ISC' }],
    ] as const) {
      await mkdir(join(root, path), { recursive: true });
      await writeFile(join(root, path, 'package.json'), JSON.stringify(manifest));
    }
    const packages = await productionPackages(root);
    assert.deepEqual(
      packages.map((p) => [p.name, p.version, p.declared]),
      [
        ['a', '1.0.0', 'MIT'],
        ['@s/b', '5.0.0', 'ISC'],
        ['absent-binary', '3.0.0', 'GPL-3.0'],
        ['legacy', '2.0.0', 'BSD-3-Clause'],
      ],
    );
    assert.deepEqual(
      judge(packages, []).refused.map((r) => r.pkg.name),
      ['absent-binary'],
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the real production tree passes the licence check', async () => {
  const { stdout } = await run(process.execPath, [
    fileURLToPath(new URL('../../scripts/check-licences.ts', import.meta.url)),
  ]);
  assert.match(stdout, /licences: \d+ production packages allowed/);
});
