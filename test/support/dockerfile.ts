// Reads a Dockerfile into its instructions and a .dockerignore into a
// predicate, enough for the checks in test/deploy: line continuations,
// comments, parser directives, exec (JSON) versus shell form, and stages.

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY… */
  readonly keyword: string;
  /** Everything after the keyword, continuations joined. */
  readonly args: string;
  /** 1-based line the instruction starts on. */
  readonly line: number;
  /** The stage it belongs to (the index of its FROM). */
  readonly stage: number;
}

export interface Stage {
  readonly index: number;
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: {
    index: number;
    image: string;
    name: string | undefined;
    instructions: Instruction[];
  }[] = [];
  const lines = text.split('\n');
  let pending = '';
  let startLine = 0;
  for (const [offset, raw] of lines.entries()) {
    const trimmed = raw.trim();
    // Comments (and directives, which look like them) are dropped, even inside a continuation.
    if (trimmed.startsWith('#')) continue;
    if (pending === '' && trimmed === '') continue;
    if (pending === '') startLine = offset + 1;
    if (trimmed.endsWith('\\')) {
      pending += `${trimmed.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + trimmed).trim();
    pending = '';
    if (whole === '') continue;
    const match = /^(\S+)\s*(.*)$/s.exec(whole)!;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!;
    if (keyword === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/).filter((word) => !word.startsWith('--'));
      stages.push({
        index: stages.length,
        image,
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
    }
    const stage = stages.at(-1);
    if (stage === undefined) continue; // ARG before the first FROM
    stage.instructions.push({ keyword, args, line: startLine, stage: stage.index });
  }
  return stages;
}

/** The JSON array of an exec-form instruction, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trimStart().startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}

/** The instruction's arguments without its leading `--flag=value` options. */
export function withoutFlags(args: string): string {
  return args.replace(/^(?:--\S+\s+)*/, '');
}

/**
 * Whether a path (relative, with `/`) reaches the build context under these
 * .dockerignore rules: the last pattern that matches the path or one of its
 * folders decides, `!` bringing it back.
 */
export function dockerContextIncludes(dockerignore: string, path: string): boolean {
  const rules = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const pattern = (include ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      return { include, pattern };
    });
  const parts = path.split('/');
  const prefixes = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let included = true;
  for (const { include, pattern } of rules) {
    const glob = globToRegExp(pattern);
    if (prefixes.some((prefix) => glob.test(prefix))) included = include;
  }
  return included;
}

/** Docker's pattern syntax: `*` and `?` stay within a folder (dotfiles too), `**` spans folders. */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (pattern.startsWith('**/', index)) {
      source += '(?:.*/)?';
      index += 2;
    } else if (pattern.startsWith('**', index)) {
      source += '.*';
      index += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
