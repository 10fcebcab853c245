import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { entropy, looksRandom, SECRET_RULES } from '../../scripts/supply-chain/secret-rules.ts';
import { scanFiles, trackedFiles } from '../../scripts/supply-chain/secrets.ts';

const run = promisify(execFile);

// Planted values are assembled at run time, so this file itself stays clean.
const RANDOM = 'k3J9vQ2xLm8RtZ4wN7pB1cYh';
const AWS_ID = ['AKIA', 'Z7Q2', 'M4KX', 'P3RT', 'W6NB'].join('');
const GITHUB = ['gh', 'p_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'].join('');
const NPM = ['npm', '_', 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa'].join('');
const PEM = ['-----BEGIN ', 'RSA PRIVATE KEY-----'].join('');
const EXAMPLE_MARK = ['secret-scan', 'example'].join(': ');

const planted: Record<string, string> = {
  'keys/deploy.pem': `${PEM}\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n`,
  'src/aws.ts': `export const region = 'eu-west-1';\nexport const id = '${AWS_ID}';\n`,
  'ci/publish.sh': `#!/bin/sh\nexport GH=${GITHUB}\n`,
  'ci/npm.txt': `token ${NPM}\n`,
  '.npmrc': `//registry.npmjs.org/:_authToken=${RANDOM}\n`,
  'src/client.ts': `const client = { apiSecret: "${RANDOM}" };\n`,
  '.env.production': `DB_PASSWORD=${RANDOM}\n`,
  // Not secrets: placeholders, references, expressions, short or plain values.
  'src/fine.ts': [
    `const a = { token: row.valueHash, password: config.pepper };`,
    `const b = { apiKey: process.env.API_KEY ?? '' };`,
    `const c = { password: 'correct horse battery staple' };`,
    `const d = { secret: '\${SECRET_FROM_VAULT_PLEASE}' };`,
    `const e = { token: 'short' };`,
    `const f = { password: 'changeme-changeme-2024' };`,
  ].join('\n'),
  '.env.example': `DB_PASSWORD=your-password-here-please\nTOKEN=\n`,
  // A documented example is marked; the mark covers its line and the next,
  // and only the guessing rules: a real credential's format is still found.
  'src/docs.ts': [
    `// ${EXAMPLE_MARK}`,
    `const doc = { accessToken: "${RANDOM}" };`,
    `const next = { apiSecret: "${RANDOM}x" };`,
    `const aws = { key: '${AWS_ID}' }; // ${EXAMPLE_MARK}`,
  ].join('\n'),
  'logo.bin': `\0\0${AWS_ID}`,
};

let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'secrets-'));
  for (const [path, text] of Object.entries(planted)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  await run('git', ['init', '-q'], { cwd: root });
  await run('git', ['add', '.'], { cwd: root });
  // Never added: the scan covers what git would publish, not stray files.
  await writeFile(join(root, 'untracked.ts'), `const id = '${AWS_ID}';\n`);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('planted secrets in tracked files are found, each by its rule, on its line', async () => {
  const report = await scanFiles(root, await trackedFiles(root), SECRET_RULES, []);
  assert.deepEqual(report.findings.map((f) => `${f.path}:${f.line} ${f.rule}`).sort(), [
    '.env.production:1 secret-assignment-config',
    '.npmrc:1 npmrc-auth',
    'ci/npm.txt:1 npm-token',
    'ci/publish.sh:2 github-token',
    'keys/deploy.pem:1 private-key',
    'src/aws.ts:2 aws-access-key-id',
    'src/client.ts:1 secret-assignment',
    'src/docs.ts:3 secret-assignment',
    'src/docs.ts:4 aws-access-key-id',
  ]);
  // The binary file was skipped, the untracked one never read.
  assert.equal(report.scanned, Object.keys(planted).length - 1);
});

test('a report never prints a whole secret', async () => {
  const report = await scanFiles(root, await trackedFiles(root), SECRET_RULES, []);
  for (const finding of report.findings) {
    for (const secret of [RANDOM, AWS_ID, GITHUB, NPM]) {
      assert.ok(!finding.excerpt.includes(secret), finding.excerpt);
    }
  }
});

test('an allowance covers its path and rule only; one that covers nothing is reported', async () => {
  const allowances = [
    { path: 'src/client.ts', rule: 'secret-assignment', reason: 'test value' },
    { path: 'src/aws.ts', rule: 'github-token', reason: 'wrong rule' },
    { path: 'ci/', rule: 'npm-token', reason: 'folder' },
  ];
  const report = await scanFiles(root, await trackedFiles(root), SECRET_RULES, allowances);
  assert.deepEqual(report.allowed.map((f) => f.path).sort(), ['ci/npm.txt', 'src/client.ts']);
  assert.ok(report.findings.some((f) => f.path === 'src/aws.ts'));
  assert.deepEqual(report.unusedAllowances, [allowances[1]]);
});

test('random-looking: long, mixed, high entropy, no placeholder or blank', () => {
  assert.ok(entropy(RANDOM) > 4);
  assert.ok(entropy('aaaaaaaaaaaaaaaa') === 0);
  assert.ok(looksRandom(RANDOM));
  assert.ok(!looksRandom('k3J9vQ2xLm8'));
  assert.ok(!looksRandom('abcdefghijklmnopqrstuvwx'));
  assert.ok(!looksRandom('a much longer password 2'));
  assert.ok(!looksRandom('https://example.com/a1B2c3D4'));
  assert.ok(!looksRandom('XXXXXXXXXXXXXXXX1234'));
  // Hand-made test values: each piece is one kind of character.
  assert.ok(!looksRandom('scrape-token-0123456789'));
  assert.ok(!looksRandom('pepper-0123456789-abcdef'));
  assert.ok(looksRandom('pepper-0123456789-abcdeF'));
  assert.ok(looksRandom('3f9a2b7c41d0e8a5b6c7d8e9'));
});

test('the tracked tree of this repository holds no secrets', async () => {
  const script = fileURLToPath(new URL('../../scripts/scan-secrets.ts', import.meta.url));
  const { stdout } = await run(process.execPath, [script]);
  assert.match(stdout, /secrets: \d+ tracked files clean/);
});
