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

/** The rules as the API documents them (the request schemas carry this text). */
export const PASSWORD_POLICY_TEXT =
  `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters (Unicode code points), ` +
  'not a commonly used password, not the account’s email address or the part before its @';

export const PASSWORD_TOO_SHORT = `must be at least ${PASSWORD_MIN_LENGTH} characters`;
export const PASSWORD_TOO_LONG = `must be at most ${PASSWORD_MAX_LENGTH} characters`;
export const PASSWORD_TOO_COMMON = 'is a commonly used password';
export const PASSWORD_SAME_AS_EMAIL = 'must not be your email address';

/**
 * Returns the policy violations; empty when the password is acceptable.
 * Requests meet the same rules in their schemas (users/schemas.ts), all but
 * the email rule where the body does not carry the email; this is the check
 * for every other caller, and for that rule.
 */
export function checkPasswordPolicy(password: string, email: string): FieldError[] {
  const problems: FieldError[] = [];
  const add = (code: string, message: string) =>
    problems.push({ field: 'password', in: 'body', code, message });
  const length = codePointLength(password);
  if (length < PASSWORD_MIN_LENGTH) add('too_short', PASSWORD_TOO_SHORT);
  if (length > PASSWORD_MAX_LENGTH) add('too_long', PASSWORD_TOO_LONG);
  if (isCommonPassword(password)) add('too_common', PASSWORD_TOO_COMMON);
  if (isSameAsEmail(password, email)) add('same_as_email', PASSWORD_SAME_AS_EMAIL);
  return problems;
}

export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.toLowerCase());
}

export function isSameAsEmail(password: string, email: string): boolean {
  const lower = password.toLowerCase();
  return lower === email.toLowerCase() || lower === email.split('@')[0]?.toLowerCase();
}

/**
 * NIST counts characters as Unicode code points, not UTF-16 units — as JSON
 * Schema's minLength and maxLength do, so the documented bounds are exact.
 */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
