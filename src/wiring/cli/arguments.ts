// The command line's options, read with node:util's parseArgs.

import { parseArgs } from 'node:util';

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  limit: { type: 'string' },
  after: { type: 'string' },
  sort: { type: 'string' },
  category: { type: 'string' },
  brand: { type: 'string' },
  tag: { type: 'string' },
  q: { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;

function optionNamed(name: string): OptionName | undefined {
  return Object.hasOwn(OPTIONS, name) ? (name as OptionName) : undefined;
}

/** Positionals and options; throws parseArgs' own error on an unknown or malformed option. */
export function parseCommandLine(args: readonly string[]) {
  return parseArgs({ args: joinOptionValues(args), options: OPTIONS, allowPositionals: true });
}

/**
 * `--after CURSOR` as one `--after=CURSOR` argument. A cursor is base64url,
 * so one in 64 starts with `-`, and parseArgs would take it for an option
 * and refuse the pair as ambiguous, although the next page's hint is printed
 * to be pasted back as it is. A value is joined to its option unless it is
 * one of the options itself.
 */
function joinOptionValues(args: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const name = arg.startsWith('--') ? optionNamed(arg.slice(2)) : undefined;
    const next = args[i + 1];
    if (
      name !== undefined &&
      OPTIONS[name].type === 'string' &&
      next !== undefined &&
      !isOption(next)
    ) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

function isOption(arg: string): boolean {
  if (arg === '-h') return true;
  return arg.startsWith('--') && optionNamed(arg.slice(2).split('=')[0]!) !== undefined;
}
