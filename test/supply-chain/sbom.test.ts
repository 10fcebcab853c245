import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ProductionPackage } from '../../scripts/supply-chain/licences.ts';
import {
  type CycloneDxBom,
  componentKey,
  productionBom,
  sbomProblems,
} from '../../scripts/supply-chain/sbom.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const prod = (name: string, version: string): ProductionPackage => ({
  name,
  version,
  path: `node_modules/${name}`,
  declared: 'MIT',
});

const fullBom: CycloneDxBom = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  metadata: { component: { 'bom-ref': 'app@1.0.0', name: 'checkout-folder', version: '1.0.0' } },
  components: [
    { 'bom-ref': '@s/shared@2.0.0', group: '@s', name: 'shared', version: '2.0.0' },
    { 'bom-ref': 'lib@1.0.0', name: 'lib', version: '1.0.0' },
    { 'bom-ref': 'linter@9.0.0', name: 'linter', version: '9.0.0' },
  ],
  dependencies: [
    { ref: 'app@1.0.0', dependsOn: ['lib@1.0.0', 'linter@9.0.0'] },
    { ref: 'lib@1.0.0', dependsOn: ['@s/shared@2.0.0'] },
    { ref: 'linter@9.0.0', dependsOn: ['@s/shared@2.0.0'] },
    { ref: '@s/shared@2.0.0' },
  ],
};
const production = [prod('lib', '1.0.0'), prod('@s/shared', '2.0.0')];

test('the production BOM keeps what the lockfile ships, shared packages included', () => {
  const bom = productionBom(fullBom, production, { name: 'app', version: '1.0.0' });
  assert.deepEqual(bom.components.map(componentKey), ['@s/shared@2.0.0', 'lib@1.0.0']);
  assert.deepEqual(bom.dependencies, [
    { ref: 'app@1.0.0', dependsOn: ['lib@1.0.0'] },
    { ref: 'lib@1.0.0', dependsOn: ['@s/shared@2.0.0'] },
    { ref: '@s/shared@2.0.0', dependsOn: [] },
  ]);
  assert.equal(bom.metadata?.component?.name, 'app');
  assert.deepEqual(sbomProblems(bom, production), []);
});

test('the SBOM check names what is missing, extra or malformed', () => {
  assert.deepEqual(sbomProblems(fullBom, production), ['not a production package: linter@9.0.0']);
  const short = { ...fullBom, components: fullBom.components.slice(1, 2) };
  assert.deepEqual(sbomProblems(short, production), ['missing @s/shared@2.0.0']);
  assert.deepEqual(sbomProblems({ bomFormat: 'SPDX', components: [] }, []), [
    'bomFormat is SPDX, not CycloneDX',
    'no specVersion',
  ]);
  assert.deepEqual(sbomProblems(null, []), ['not a JSON object']);
  assert.deepEqual(sbomProblems({ bomFormat: 'CycloneDX', specVersion: '1.5' }, []), [
    'no components',
  ]);
});

test('npm run sbom writes a CycloneDX file listing the real production tree', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sbom-'));
  try {
    const out = join(dir, 'sbom.cdx.json');
    const { stdout } = await run(process.execPath, [join(ROOT, 'scripts/sbom.ts'), '--out', out]);
    assert.match(stdout, /sbom: \d+ production components \(CycloneDX [\d.]+\)/);
    const bom = JSON.parse(await readFile(out, 'utf8')) as CycloneDxBom;
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string; dev?: boolean }>;
    };
    const listed = new Set(bom.components.map(componentKey));
    // Direct dependencies are there, pino too (npm's own --omit dev drops it), linters are not.
    const pino = lock.packages['node_modules/pino']!;
    assert.ok(listed.has(`pino@${pino.version}`));
    const eslint = lock.packages['node_modules/eslint']!;
    assert.equal(eslint.dev, true);
    assert.ok(!listed.has(`eslint@${eslint.version}`));
    assert.equal(bom.metadata?.component?.name, 'throughline');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
