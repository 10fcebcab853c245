// Scans files for the shapes in secret-rules.ts. Reads local files only.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SecretAllowance, SecretRule } from './secret-rules.ts';

export interface SecretFinding {
  readonly path: string;
  readonly line: number;
  readonly rule: string;
  /** The value with its middle hidden: enough to find it, not enough to use it. */
  readonly excerpt: string;
}

/** Files git tracks under `root` (what a push would publish). */
export async function trackedFiles(root: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('git', ['ls-files', '-z'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.split('\0').filter((path) => path !== '');
}

export function mask(value: string): string {
  if (value.length <= 8) return '*'.repeat(value.length);
  return `${value.slice(0, 4)}…${value.slice(-2)} (${value.length} chars)`;
}

/**
 * A made-up value in documentation (an API example token) is marked on its
 * line or the line above with `secret-scan: example`. The mark only quiets
 * the rules that guess from a name and randomness: a value in a real
 * credential's own format (a private key, an AWS or GitHub token) is still
 * reported, and so is every other line of the file.
 */
const EXAMPLE_MARK = 'secret-scan: example';
const GUESSING_RULES = new Set(['secret-assignment', 'secret-assignment-config']);

function isMarkedExample(line: string): boolean {
  return line.includes(EXAMPLE_MARK);
}

export function scanText(
  path: string,
  text: string,
  rules: readonly SecretRule[],
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const lines = text.split('\n');
  lines.forEach((content, index) => {
    // One report per value: the first (most specific) rule that matches it.
    const seen = new Set<string>();
    const example = isMarkedExample(content) || isMarkedExample(lines[index - 1] ?? '');
    for (const rule of rules) {
      if (rule.files && !rule.files.test(path)) continue;
      if (example && GUESSING_RULES.has(rule.id)) continue;
      for (const match of content.matchAll(rule.pattern)) {
        const groups = match.groups ?? {};
        const value =
          Object.values(groups).find((group): group is string => group !== undefined) ?? match[0];
        if ((rule.accept && !rule.accept(value)) || seen.has(value)) continue;
        seen.add(value);
        findings.push({ path, line: index + 1, rule: rule.id, excerpt: mask(value) });
      }
    }
  });
  return findings;
}

function allowed(finding: SecretFinding, allowances: readonly SecretAllowance[]): boolean {
  return allowances.some(
    (allowance) =>
      allowance.rule === finding.rule &&
      (allowance.path.endsWith('/')
        ? finding.path.startsWith(allowance.path)
        : finding.path === allowance.path),
  );
}

export interface SecretReport {
  readonly scanned: number;
  readonly findings: readonly SecretFinding[];
  readonly allowed: readonly SecretFinding[];
  /** Allowances nothing matched: stale ones would silently cover the next real leak. */
  readonly unusedAllowances: readonly SecretAllowance[];
}

export async function scanFiles(
  root: string,
  paths: readonly string[],
  rules: readonly SecretRule[],
  allowances: readonly SecretAllowance[],
): Promise<SecretReport> {
  const findings: SecretFinding[] = [];
  const allowedFindings: SecretFinding[] = [];
  let scanned = 0;
  for (const path of paths) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(root, path));
    } catch (error) {
      // Deleted but not yet staged: nothing there to leak.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    // Binary files (a NUL early on) hold no text secrets we can read.
    if (bytes.subarray(0, 8000).includes(0)) continue;
    scanned++;
    for (const finding of scanText(path, bytes.toString('utf8'), rules)) {
      (allowed(finding, allowances) ? allowedFindings : findings).push(finding);
    }
  }
  const unusedAllowances = allowances.filter(
    (allowance) => !allowedFindings.some((finding) => allowed(finding, [allowance])),
  );
  return { scanned, findings, allowed: allowedFindings, unusedAllowances };
}
