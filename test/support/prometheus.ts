// What the tests of the monitoring files (ops/prometheus, ops/grafana) need:
// promtool when it is installed, the series names a real scrape of the
// service declares, the metric names a PromQL expression reads, the rules of
// ops/prometheus/alerts.yml, and the anchors of a Markdown document.
//
// The rules file is read by a reader of exactly the shape it is written in
// (groups → rules → record/alert, expr inline or as a `|` block, for, labels,
// annotations), not by a YAML library: the project has none, and a line it
// does not understand is an error, not something skipped. promtool's own
// count of the rules is checked against it (test/ops/prometheus-rules.test.ts).

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startService } from './start.ts';

const run = promisify(execFile);

export const RULES_DIR = fileURLToPath(new URL('../../ops/prometheus/', import.meta.url));
export const RULES_FILE = fileURLToPath(
  new URL('../../ops/prometheus/alerts.yml', import.meta.url),
);
export const DASHBOARD_FILE = fileURLToPath(
  new URL('../../ops/grafana/throughline.json', import.meta.url),
);
export const OPERATIONS_DOC = fileURLToPath(new URL('../../docs/operations.md', import.meta.url));

export const PROMTOOL_MISSING = 'promtool is not installed (Debian: apt-get install prometheus)';

/** `promtool` when it runs here, else undefined. */
export async function findPromtool(): Promise<string | undefined> {
  try {
    await run('promtool', ['--version']);
    return 'promtool';
  } catch {
    return undefined;
  }
}

/** Runs promtool in `cwd`; its exit code and everything it printed. */
export async function runPromtool(
  tool: string,
  args: readonly string[],
  cwd: string,
): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(tool, [...args], { cwd });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      output: `${failed.stdout ?? ''}${failed.stderr ?? ''}${String(error)}`,
    };
  }
}

/**
 * The series names the service's GET /metrics declares (`# TYPE` lines, so a
 * family without samples — the pool gauges on PGlite — counts too), with a
 * histogram's and a summary's `_bucket`/`_sum`/`_count` series. One start of
 * the real service on its default (PGlite) configuration.
 */
export async function scrapedSeriesNames(): Promise<Set<string>> {
  const service = await startService();
  try {
    const response = await fetch(`${service.url}/metrics`);
    if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
    return seriesNames(await response.text());
  } finally {
    await service.close();
  }
}

export function seriesNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name = '', type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const suffixes =
      type === 'histogram'
        ? ['_bucket', '_sum', '_count']
        : type === 'summary'
          ? ['', '_sum', '_count']
          : [''];
    for (const suffix of suffixes) names.add(name + suffix);
  }
  return names;
}

const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
]);
/** Followed by a parenthesised list of label names, not of expressions. */
const GROUPINGS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

// Strings, label matchers, ranges and subqueries, numbers and durations,
// dashboard variables: none of them names a metric, each is one token.
const TOKEN =
  /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\{[^}]*\}|\[[^\]]*\]|\$\{[^}]*\}|\$\w+|\d[\w.]*|[A-Za-z_:][\w:]*|\S/g;

/** The metric (and recorded series) names a PromQL expression reads. */
export function metricNames(expr: string): Set<string> {
  const tokens: string[] = expr.match(TOKEN) ?? [];
  const names = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!/^[A-Za-z_:]/.test(token)) continue;
    const lower = token.toLowerCase();
    if (GROUPINGS.has(lower)) {
      if (tokens[i + 1] === '(') i = tokens.indexOf(')', i + 1);
      if (i < 0) throw new Error(`unclosed label list in ${expr}`);
      continue;
    }
    if (KEYWORDS.has(lower) || AGGREGATIONS.has(lower)) continue;
    if (tokens[i + 1] === '(') continue; // a function
    names.add(token);
  }
  return names;
}

export interface Rule {
  readonly group: string;
  readonly kind: 'record' | 'alert';
  readonly name: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

interface RuleDraft {
  group: string;
  kind: 'record' | 'alert';
  name: string;
  expr?: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;

function scalar(text: string): string {
  const value = text.trim();
  if (value.startsWith("'")) {
    if (!value.endsWith("'") || value.length < 2) throw new Error(`unclosed quote: ${value}`);
    return value.slice(1, -1).replaceAll("''", "'");
  }
  if (value.startsWith('"')) return JSON.parse(value) as string;
  return value;
}

/** The rules of a Prometheus rules file written in alerts.yml's shape. */
export async function readRules(file = RULES_FILE): Promise<Rule[]> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const rules: Rule[] = [];
  let group = '';
  let rule: RuleDraft | undefined;
  let keyIndent = 0;
  const finish = () => {
    if (rule === undefined) return;
    if (rule.expr === undefined) throw new Error(`${rule.name} has no expr`);
    rules.push({ ...rule, expr: rule.expr });
    rule = undefined;
  };
  /** The lines indented deeper than the key at `at`, up to the first that is not. */
  const block = (at: number): { text: string[]; next: number } => {
    const text: string[] = [];
    let next = at + 1;
    while (next < lines.length) {
      const line = lines[next]!;
      if (line.trim() !== '' && indentOf(line) <= keyIndent) break;
      text.push(line);
      next++;
    }
    while (text.length > 0 && text.at(-1)!.trim() === '') text.pop();
    return { text, next };
  };
  for (let i = 0; i < lines.length;) {
    const line = lines[i]!;
    const trimmed = line.trim();
    const where = `${file}:${i + 1}`;
    if (trimmed === '' || trimmed.startsWith('#')) {
      i++;
      continue;
    }
    if (rule !== undefined && indentOf(line) === keyIndent) {
      const [, key, rest] = /^\s*(\w+):\s*(.*)$/.exec(line) ?? [];
      if (key === 'expr' && (rest === '|' || rest === '|-')) {
        const { text, next } = block(i);
        const indent = Math.min(...text.filter((l) => l.trim() !== '').map(indentOf));
        rule.expr = text.map((l) => l.slice(indent)).join('\n');
        i = next;
      } else if (key === 'expr' && rest !== '') {
        rule.expr = scalar(rest!);
        i++;
      } else if (key === 'for' && rest !== '') {
        rule.for = scalar(rest!);
        i++;
      } else if ((key === 'labels' || key === 'annotations') && rest === '') {
        const { text, next } = block(i);
        for (const entry of text.filter((l) => l.trim() !== '')) {
          const [, name, value] = /^\s*(\w+):\s*(.+)$/.exec(entry) ?? [];
          if (name === undefined) throw new Error(`${where}: not a key: value pair: ${entry}`);
          rule[key][name] = scalar(value!);
        }
        i = next;
      } else {
        throw new Error(`${where}: unexpected line in a rule: ${line}`);
      }
      continue;
    }
    finish();
    const started = /^(\s*)- (record|alert): (\S+)$/.exec(line);
    if (started !== null) {
      rule = {
        group,
        kind: started[2] as 'record' | 'alert',
        name: started[3]!,
        labels: {},
        annotations: {},
      };
      keyIndent = started[1]!.length + 2;
      i++;
      continue;
    }
    const named = /^\s*- name: (\S+)$/.exec(line);
    if (named !== null) group = named[1]!;
    else if (!/^\s*(groups|rules|interval):/.test(line))
      throw new Error(`${where}: unexpected line: ${line}`);
    i++;
  }
  finish();
  return rules;
}

/** The anchors GitHub gives a Markdown document's headings (outside code blocks). */
export async function headingAnchors(file = OPERATIONS_DOC): Promise<Set<string>> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.+)$/.exec(line);
    if (heading === null) continue;
    anchors.add(
      heading[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return anchors;
}

/**
 * Feeds a scrape to `promtool check metrics` and throws with what it says
 * unless it has nothing to say (but for prom-client's own default process
 * gauges ending in _total, which its lint flags). Nothing to check without promtool.
 */
export async function checkScrape(body: string): Promise<void> {
  const tool = await findPromtool();
  if (tool === undefined) return;
  const child = execFile(tool, ['check', 'metrics']);
  const output = new Promise<{ code: number | null; text: string }>((resolve) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('close', (code) => {
      resolve({ code, text });
    });
  });
  child.stdin?.end(body);
  const { code, text } = await output;
  const problems = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => !/^nodejs_active_(handles|requests|resources)_total non-counter/.test(line));
  // promtool exits non-zero for the lint lines filtered out above too.
  if (problems.length > 0) {
    throw new Error(`promtool check metrics (exit ${String(code)}):\n${text}`);
  }
}
