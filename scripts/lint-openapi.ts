// Lints the service's OpenAPI document with Redocly (redocly.yaml) and
// Spectral (.spectral.yaml) and fails on any error or warning from either:
// a rule that does not fit the service is switched off in its ruleset, with
// the reason, rather than tolerated here.
//
//   node scripts/lint-openapi.ts        (npm run lint:openapi)

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceDocument } from './openapi-document.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

interface Finding {
  readonly severity: 'error' | 'warning';
  readonly rule: string;
  readonly message: string;
  readonly where: string;
}

/** The file a package names as its command `name`. */
async function binOf(pkg: string, name: string): Promise<string> {
  const manifestPath = require.resolve(`${pkg}/package.json`);
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
    bin: Record<string, string>;
  };
  return join(dirname(manifestPath), manifest.bin[name]!);
}

function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      // No update checks or usage reports from the linters.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

async function redocly(file: string): Promise<Finding[]> {
  const bin = await binOf('@redocly/cli', 'redocly');
  const result = await run([bin, 'lint', file, '--config', 'redocly.yaml', '--format=json']);
  let report: {
    problems: {
      ruleId: string;
      severity: string;
      message: string;
      location?: { pointer?: string }[];
    }[];
  };
  try {
    report = JSON.parse(result.stdout) as typeof report;
  } catch {
    throw new Error(`redocly gave no report (exit ${result.code}):\n${result.stderr}`);
  }
  return report.problems.map((problem) => ({
    severity: problem.severity === 'error' ? 'error' : 'warning',
    rule: problem.ruleId,
    message: problem.message,
    where: problem.location?.[0]?.pointer ?? '',
  }));
}

async function spectral(file: string): Promise<Finding[]> {
  const bin = await binOf('@stoplight/spectral-cli', 'spectral');
  const result = await run([
    bin,
    'lint',
    file,
    '--ruleset',
    '.spectral.yaml',
    '--format=json',
    '--quiet',
  ]);
  let results: { code: string; message: string; severity: number; path: string[] }[];
  try {
    results = JSON.parse(result.stdout) as typeof results;
  } catch {
    throw new Error(`spectral gave no report (exit ${result.code}):\n${result.stderr}`);
  }
  // Spectral's severities: 0 error, 1 warning, 2 information, 3 hint.
  return results
    .filter((entry) => entry.severity <= 1)
    .map((entry) => ({
      severity: entry.severity === 0 ? 'error' : 'warning',
      rule: entry.code,
      message: entry.message,
      where: `#/${entry.path.join('/')}`,
    }));
}

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'throughline-openapi-lint-'));
  try {
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(await serviceDocument(), null, 2));
    let failed = false;
    for (const [name, lint] of [
      ['Redocly', redocly],
      ['Spectral', spectral],
    ] as const) {
      const findings = await lint(file);
      const errors = findings.filter((finding) => finding.severity === 'error').length;
      process.stdout.write(`${name}: ${errors} errors, ${findings.length - errors} warnings\n`);
      for (const finding of findings) {
        process.stdout.write(
          `  ${finding.severity} ${finding.rule} at ${finding.where}: ${finding.message}\n`,
        );
      }
      failed ||= findings.length > 0;
    }
    return failed ? 1 : 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
