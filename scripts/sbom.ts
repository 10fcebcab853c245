// Writes a CycloneDX SBOM of the production dependencies and checks it lists
// every one of them (see scripts/supply-chain/sbom.ts for how and why).
// No network: npm reads package-lock.json only.
//
//   node scripts/sbom.ts [--out <file>]    default artifacts/sbom.cdx.json

import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { productionPackages } from './supply-chain/licences.ts';
import { type CycloneDxBom, productionBom, sbomProblems } from './supply-chain/sbom.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = resolve(values.out ?? resolve(ROOT, 'artifacts/sbom.cdx.json'));

const { stdout } = await promisify(execFile)(
  'npm',
  ['sbom', '--sbom-format', 'cyclonedx', '--sbom-type', 'application', '--package-lock-only'],
  { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
);
const manifest = JSON.parse(await readFile(resolve(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
const production = await productionPackages(ROOT);
const bom = productionBom(JSON.parse(stdout) as CycloneDxBom, production, manifest);

await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(bom, null, 2)}\n`);

// Check what was written, read back, not the object in memory.
const problems = sbomProblems(JSON.parse(await readFile(out, 'utf8')), production);
if (problems.length > 0) {
  console.error(`sbom: ${relative(process.cwd(), out)} is wrong:`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log(
  `sbom: ${bom.components.length} production components (CycloneDX ${bom.specVersion}) ` +
    `-> ${relative(process.cwd(), out) || out}`,
);
