// The password policy (NIST SP 800-63B style): long rather than complex, not
// a known-common password, not the account's own email. The maximum keeps
// argon2's work bounded for hostile input.

import type { FieldError } from '../../errors/index.ts';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

const COMMON = new Set([
  'password1234',
  '123456789012',
  'qwertyuiopas',
  'passwordpassword',
  'letmeinletmein',
  'iloveyou1234',
  'administrator',
  'changemeplease',
  'welcome12345',
  'correcthorsebatterystaple',
]);

/** Returns the policy violations; empty when the password is acceptable. */
export function checkPasswordPolicy(password: string, email: string): FieldError[] {
  const problems: FieldError[] = [];
  const add = (code: string, message: string) =>
    problems.push({ field: 'password', in: 'body', code, message });
  const length = codePoints(password);
  if (length < PASSWORD_MIN_LENGTH) {
    add('too_short', `must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (length > PASSWORD_MAX_LENGTH) {
    add('too_long', `must be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) add('too_common', 'is a commonly used password');
  if (lower === email.toLowerCase() || lower === email.split('@')[0]?.toLowerCase()) {
    add('same_as_email', 'must not be your email address');
  }
  return problems;
}

/** NIST counts characters as Unicode code points, not UTF-16 units. */
function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
