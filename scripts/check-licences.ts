// Fails when a production dependency carries a licence outside the
// allow-list in scripts/supply-chain/licence-policy.ts and has no recorded
// exception there, or when an exception no longer matches any package.
// Reads package-lock.json and node_modules only; no network.
//
//   node scripts/check-licences.ts          exit 1 and a list on a problem
//   node scripts/check-licences.ts --list   also print every package and its licence

import { fileURLToPath } from 'node:url';
import { LICENCE_EXCEPTIONS } from './supply-chain/licence-policy.ts';
import { judge, productionPackages } from './supply-chain/licences.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const packages = await productionPackages(ROOT);
if (process.argv.includes('--list')) {
  for (const pkg of packages) console.log(`${pkg.name}@${pkg.version}\t${pkg.declared}`);
}
const report = judge(packages, LICENCE_EXCEPTIONS);

if (report.refused.length > 0) {
  console.error(`licences: ${report.refused.length} production package(s) refused:`);
  for (const { pkg, why } of report.refused) {
    console.error(`  ${pkg.name}@${pkg.version}  "${pkg.declared}"  ${why}  (${pkg.path})`);
  }
  console.error(
    'Replace the dependency, or add it to LICENCE_EXCEPTIONS in ' +
      'scripts/supply-chain/licence-policy.ts with the reason it is acceptable.',
  );
}
if (report.unusedExceptions.length > 0) {
  console.error('licences: exceptions that match no production package (remove them):');
  for (const exception of report.unusedExceptions) {
    console.error(`  ${exception.name}  "${exception.declared}"`);
  }
}
if (report.refused.length > 0 || report.unusedExceptions.length > 0) process.exit(1);
console.log(
  `licences: ${report.checked} production packages allowed ` +
    `(${report.excepted.length} by a recorded exception)`,
);
