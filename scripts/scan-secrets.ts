// Fails when a tracked file holds something shaped like a credential
// (scripts/supply-chain/secret-rules.ts) that no allowance there covers, or
// when an allowance no longer matches anything. Local files only, no network.
//
//   node scripts/scan-secrets.ts          exit 1 and a list on a finding

import { fileURLToPath } from 'node:url';
import { SECRET_ALLOWANCES, SECRET_RULES } from './supply-chain/secret-rules.ts';
import { scanFiles, trackedFiles } from './supply-chain/secrets.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const report = await scanFiles(ROOT, await trackedFiles(ROOT), SECRET_RULES, SECRET_ALLOWANCES);

if (report.findings.length > 0) {
  console.error(`secrets: ${report.findings.length} possible secret(s) in tracked files:`);
  for (const finding of report.findings) {
    console.error(`  ${finding.path}:${finding.line}  ${finding.rule}  ${finding.excerpt}`);
  }
  console.error(
    'Remove it (and rotate it: it may already be in history), or, for a deliberate test ' +
      'value, add an allowance with its reason to scripts/supply-chain/secret-rules.ts.',
  );
}
if (report.unusedAllowances.length > 0) {
  console.error('secrets: allowances that match nothing (remove them):');
  for (const allowance of report.unusedAllowances) {
    console.error(`  ${allowance.path}  ${allowance.rule}`);
  }
}
if (report.findings.length > 0 || report.unusedAllowances.length > 0) process.exit(1);
console.log(
  `secrets: ${report.scanned} tracked files clean, ${report.allowed.length} allowed test value(s)`,
);
