// SPDX licence expressions (SPDX spec, annex D): identifiers joined by AND, OR
// and WITH, grouped with parentheses. WITH binds tightest, then AND, then OR,
// so "A OR B AND C" means "A OR (B AND C)". Operators may be all upper or all
// lower case; identifiers match without regard to case.

export type LicenceExpression =
  | { readonly kind: 'licence'; readonly id: string; readonly orLater: boolean }
  | { readonly kind: 'with'; readonly licence: LicenceExpression; readonly exception: string }
  | {
      readonly kind: 'and' | 'or';
      readonly left: LicenceExpression;
      readonly right: LicenceExpression;
    };

export class SpdxSyntaxError extends Error {
  override readonly name = 'SpdxSyntaxError';
}

const TOKEN = /\s*(\(|\)|[A-Za-z0-9.:+-]+)/y;
const OPERATORS = new Set(['and', 'or', 'with']);

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(text);
    if (!match)
      throw new SpdxSyntaxError(`unexpected character at ${TOKEN.lastIndex} in "${text}"`);
    tokens.push(match[1]!);
  }
  return tokens;
}

/** Parses an SPDX expression; throws SpdxSyntaxError on anything else. */
export function parseSpdx(text: string): LicenceExpression {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new SpdxSyntaxError('empty licence expression');
  let at = 0;

  const isOperator = (token: string | undefined, op: string): boolean =>
    token === op.toUpperCase() || token === op;

  function primary(): LicenceExpression {
    const token = tokens[at++];
    if (token === undefined) throw new SpdxSyntaxError(`"${text}" ends too early`);
    if (token === '(') {
      const inner = or();
      if (tokens[at++] !== ')') throw new SpdxSyntaxError(`missing ")" in "${text}"`);
      return inner;
    }
    if (token === ')' || OPERATORS.has(token.toLowerCase())) {
      throw new SpdxSyntaxError(`unexpected "${token}" in "${text}"`);
    }
    const orLater = token.endsWith('+');
    const id = orLater ? token.slice(0, -1) : token;
    if (id === '') throw new SpdxSyntaxError(`unexpected "+" in "${text}"`);
    return { kind: 'licence', id, orLater };
  }

  function withException(): LicenceExpression {
    const licence = primary();
    if (!isOperator(tokens[at], 'with')) return licence;
    at++;
    const exception = tokens[at++];
    if (exception === undefined || exception === '(' || exception === ')') {
      throw new SpdxSyntaxError(`WITH needs an exception identifier in "${text}"`);
    }
    return { kind: 'with', licence, exception };
  }

  function and(): LicenceExpression {
    let left = withException();
    while (isOperator(tokens[at], 'and')) {
      at++;
      left = { kind: 'and', left, right: withException() };
    }
    return left;
  }

  function or(): LicenceExpression {
    let left = and();
    while (isOperator(tokens[at], 'or')) {
      at++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  }

  const expression = or();
  if (at !== tokens.length) throw new SpdxSyntaxError(`unexpected "${tokens[at]!}" in "${text}"`);
  return expression;
}

/**
 * The licences that make an expression unacceptable, or none when it is
 * acceptable: an OR needs one acceptable side (we choose it), an AND needs
 * both. A WITH exception only adds permissions, so it rests on its licence.
 */
export function refusedLicences(
  expression: LicenceExpression,
  allowed: (id: string) => boolean,
): string[] {
  switch (expression.kind) {
    case 'licence':
      return allowed(expression.id) ? [] : [expression.id + (expression.orLater ? '+' : '')];
    case 'with':
      return refusedLicences(expression.licence, allowed);
    case 'and':
      return [
        ...refusedLicences(expression.left, allowed),
        ...refusedLicences(expression.right, allowed),
      ];
    case 'or': {
      const left = refusedLicences(expression.left, allowed);
      if (left.length === 0) return [];
      const right = refusedLicences(expression.right, allowed);
      return right.length === 0 ? [] : [...left, ...right];
    }
  }
}
