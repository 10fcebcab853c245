// What a committed secret looks like. Specific shapes first (a match is
// almost surely real), then one generic rule: a long, random-looking value
// assigned to a name that says it is secret. Placeholders, references to
// the environment and short or low-entropy values do not count.

export interface SecretRule {
  readonly id: string;
  readonly description: string;
  /** Global; the value is the whole match unless group `value` is set. */
  readonly pattern: RegExp;
  /** Extra test on the value, for rules whose shape alone is too loose. */
  readonly accept?: (value: string) => boolean;
  /** Only files whose path matches; all files when absent. */
  readonly files?: RegExp;
}

export interface SecretAllowance {
  /** A tracked path, exactly, or a folder ending in `/`. */
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
}

/** Bits per character (Shannon): about 4 or more for random base64 or hex, under 3.5 for words. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const PLACEHOLDER =
  /\$\{|\{\{|process\.env|<[^>]*>|example|sample|placeholder|changeme|change-me|dummy|redacted|your[-_]|x{6,}|\*{3,}|\.{3}/i;

/**
 * Made by a person, not a generator: every piece between separators is one
 * kind of character (`scrape-token-0123`, `a-long-enough-password-1`), as in
 * the made-up values tests use. Generated secrets mix kinds within a piece.
 */
function handMade(value: string): boolean {
  return value.split(/[-_.~/+=:]/).every((piece) => /^(?:[a-z]*|[A-Z]*|[0-9]*)$/.test(piece));
}

/** Random enough to be a credential: long, mixed, high entropy, not a placeholder. */
export function looksRandom(value: string): boolean {
  if (value.length < 16 || /\s/.test(value) || PLACEHOLDER.test(value)) return false;
  if (handMade(value)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(value)).length;
  return classes >= 2 && entropy(value) >= 3.5;
}

const SECRET_NAME =
  'secret|password|passwd|passphrase|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?';

export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'private-key',
    description: 'a PEM private key block',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
  },
  {
    id: 'aws-access-key-id',
    description: 'an AWS access key id',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g,
  },
  {
    id: 'aws-secret-access-key',
    description: 'an AWS secret access key assigned to its usual name',
    pattern:
      /aws_?secret_?access_?key["']?\s*[:=]\s*["']?(?<value>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    accept: looksRandom,
  },
  {
    id: 'github-token',
    description: 'a GitHub token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b/g,
  },
  {
    id: 'npm-token',
    description: 'an npm access token',
    pattern: /\bnpm_[A-Za-z0-9]{36}\b/g,
  },
  {
    id: 'npmrc-auth',
    description: 'a literal credential in an .npmrc line',
    pattern: /:_(?:authToken|auth|password)\s*=\s*(?<value>[^\s$][^\s]*)/g,
    accept: (value) => !PLACEHOLDER.test(value),
  },
  {
    id: 'slack-token',
    description: 'a Slack token',
    pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g,
  },
  {
    id: 'secret-assignment',
    description: 'a random-looking quoted literal assigned to a secret-sounding name',
    // name, optional closing quote, `=` `:` or `=>`, then a quoted literal.
    pattern: new RegExp(
      `(?:${SECRET_NAME})[A-Za-z0-9_-]*["']?\\s*(?:[:=]|=>)\\s*(?:"(?<dq>[^"\\n]{16,})"|'(?<sq>[^'\\n]{16,})'|\`(?<bq>[^\`\\n]{16,})\`)`,
      'gi',
    ),
    accept: looksRandom,
  },
  {
    id: 'secret-assignment-config',
    description: 'a random-looking bare value assigned to a secret-sounding name',
    // In code a bare value is an expression (`token: row.hash`); only
    // configuration files hold bare literals.
    pattern: new RegExp(
      `(?:${SECRET_NAME})[A-Za-z0-9_-]*["']?\\s*[:=]\\s*(?<bare>[A-Za-z0-9/+=_.~-]{16,})`,
      'gi',
    ),
    accept: looksRandom,
    files: /(?<!\.(?:ts|tsx|js|mjs|cjs))$/,
  },
];

/** Where a rule is allowed to match, and why that is safe. Keep it short and specific. */
const literal = (path: string, reason: string): SecretAllowance => ({
  path,
  rule: 'secret-assignment',
  reason,
});

export const SECRET_ALLOWANCES: readonly SecretAllowance[] = [
  literal(
    'src/modules/auth/mfa/totp.test.ts',
    "RFC 6238's published test secret, in base32: public by design",
  ),
];
