// Loads the configuration once at start-up (12-factor, factor III).
// Precedence, lowest first: schema defaults < JSON config file < environment
// variables < command-line flags. Every setting `X` may instead be read from a
// file named by `X_FILE` (Docker/Kubernetes secrets). `.env` files are not
// loaded: the platform injects the environment.
//
// Every problem is collected before failing, so one start-up attempt shows the
// operator everything that is wrong, each with the source of the bad value.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { configSchema, SETTINGS } from './config-schema.ts';
import type { Config, SettingInfo } from './config-schema.ts';

export type { Config } from './config-schema.ts';

export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

export interface ConfigProblem {
  /** What is wrong: a dotted config key (`http.port`), a flag or a file. */
  readonly subject: string;
  readonly source: ConfigSource;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((problem) => `  - ${problem.subject}: ${problem.message}`);
    super([`Invalid configuration (${count}):`, ...lines].join('\n'));
    this.problems = Object.freeze([...problems]);
  }
}

export interface LoadConfigOptions {
  /** Command-line arguments without the node binary and script: `process.argv.slice(2)`. */
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Base for relative paths (config file, `*_FILE`, DATA_DIR, TLS files). */
  readonly cwd?: string;
  /**
   * Told of every setting read from a file (`X_FILE`, `--x-file`): its name
   * (`JWT_SIGNING_KEYS_FILE`), never the path or the value. The service puts
   * these reads in the audit log.
   */
  readonly onFileRead?: (read: SettingFileRead) => void;
}

export interface SettingFileRead {
  /** The setting's dotted key, e.g. `auth.signingKeys`. */
  readonly setting: string;
  /** The variable or flag that named the file, e.g. `JWT_SIGNING_KEYS_FILE`. */
  readonly name: string;
  readonly secret: boolean;
}

const PRINT_CONFIG_FLAG = '--print-config';
const CONFIG_FILE_FLAG = '--config';
const CONFIG_FILE_ENV = 'CONFIG_FILE';
const REDACTED = '[redacted]';

/** Where one setting's effective value came from, e.g. `env PORT`. */
interface Origin {
  readonly source: ConfigSource;
  readonly label: string;
}

/** The values one layer (env or flags) sets, already read from `*_FILE` where asked. */
type Layer = Map<SettingInfo, { readonly value: string; readonly origin: Origin }>;

/** A setting as written in one layer: directly, through `X_FILE`, or both (an error). */
interface RawSetting {
  direct?: string | undefined;
  /** Path of a file holding the value. */
  viaFile?: string | undefined;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const argv = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: ConfigProblem[] = [];

  const flags = parseFlags(argv, problems);
  const origins = new Map<string, Origin>();
  const configFile = flags.configFile ?? nonEmpty(env[CONFIG_FILE_ENV]);
  const fileValues = configFile === undefined ? {} : readConfigFile(resolve(cwd, configFile));
  if (typeof fileValues === 'string') {
    problems.push({ subject: configFile!, source: 'file', message: fileValues });
  }
  // The parsed file is used as the base as-is (not copied key by key), so a
  // `__proto__` key in it stays an ordinary key that the schema rejects.
  const input = typeof fileValues === 'string' ? {} : fileValues;
  for (const setting of SETTINGS) {
    if (getAtPath(input, setting.path) !== undefined) {
      origins.set(setting.key, { source: 'file', label: `file ${configFile}` });
    }
  }

  const layers = [
    resolveLayer('env', readEnvSettings(env), cwd, problems, options.onFileRead),
    resolveLayer('flag', flags.settings, cwd, problems, options.onFileRead),
  ];
  for (const layer of layers) {
    for (const [setting, { value, origin }] of layer) {
      setAtPath(input, setting.path, value);
      origins.set(setting.key, origin);
    }
  }

  const result = configSchema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(...describeIssue(issue, input, origins));
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);

  const config: Record<string, unknown> = result.data;
  for (const setting of SETTINGS) {
    const value = getAtPath(config, setting.path);
    if (setting.fsPath === true && typeof value === 'string') {
      setAtPath(config, setting.path, resolve(cwd, value));
    }
  }
  return deepFreeze(config) as Config;
}

/** A copy of the configuration safe to print: secret values replaced by "[redacted]". */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy = structuredClone(config) as Record<string, unknown>;
  for (const setting of SETTINGS) {
    if (setting.secret === true && getAtPath(copy, setting.path) !== undefined) {
      setAtPath(copy, setting.path, REDACTED);
    }
  }
  return copy;
}

export function isPrintConfigRequested(argv: readonly string[] = process.argv.slice(2)): boolean {
  return argv.includes(PRINT_CONFIG_FLAG);
}

/** Writes the effective, redacted configuration as JSON (for `--print-config`). */
export function printConfig(config: Config, stream: NodeJS.WritableStream = process.stdout): void {
  stream.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
}

// ---- Sources ----

const SETTING_BY_FLAG = new Map(SETTINGS.map((setting) => [setting.flag, setting]));

function parseFlags(argv: readonly string[], problems: ConfigProblem[]) {
  const settings = new Map<SettingInfo, RawSetting>();
  let configFile: string | undefined;
  const problem = (subject: string, message: string) =>
    problems.push({ subject, source: 'flag', message });

  for (let index = 0; index < argv.length; index += 1) {
    const token = argv[index]!;
    if (!token.startsWith('--')) {
      problem(token, 'unexpected argument (settings are passed as --name value)');
      continue;
    }
    const equals = token.indexOf('=');
    const flag = equals === -1 ? token : token.slice(0, equals);
    const inline = equals === -1 ? undefined : token.slice(equals + 1);
    if (flag === PRINT_CONFIG_FLAG && inline === undefined) continue;

    // `--x-file` reads setting X from a file, unless `--x-file` is itself a setting.
    const direct = SETTING_BY_FLAG.get(flag);
    const viaFile = flag.endsWith('-file') ? SETTING_BY_FLAG.get(flag.slice(0, -5)) : undefined;
    if (flag !== CONFIG_FILE_FLAG && direct === undefined && viaFile === undefined) {
      problem(flag, 'unknown flag');
      continue;
    }

    const next = argv[index + 1];
    let value = inline;
    if (value === undefined && next !== undefined && !next.startsWith('--')) {
      value = next;
      index += 1;
    }
    if (value === undefined && direct?.bareFlagMeansTrue === true) value = 'true';
    if (value === undefined) {
      problem(flag, 'needs a value');
      continue;
    }

    if (flag === CONFIG_FILE_FLAG) {
      configFile = nonEmpty(value);
    } else {
      // A repeated flag replaces the earlier one, as with most command-line tools.
      const target = (direct ?? viaFile)!;
      const raw = settings.get(target) ?? {};
      raw[direct === undefined ? 'viaFile' : 'direct'] = nonEmpty(value);
      settings.set(target, raw);
    }
  }
  return { settings, configFile };
}

function readEnvSettings(env: NodeJS.ProcessEnv): Map<SettingInfo, RawSetting> {
  return new Map(
    SETTINGS.map((setting) => [
      setting,
      { direct: nonEmpty(env[setting.env]), viaFile: nonEmpty(env[`${setting.env}_FILE`]) },
    ]),
  );
}

function sourceLabel(source: ConfigSource, setting: SettingInfo, viaFile: boolean): string {
  const name = source === 'env' ? setting.env : setting.flag;
  const suffix = viaFile ? (source === 'env' ? '_FILE' : '-file') : '';
  return `${source} ${name}${suffix}`;
}

function resolveLayer(
  source: ConfigSource,
  raws: ReadonlyMap<SettingInfo, RawSetting>,
  cwd: string,
  problems: ConfigProblem[],
  onFileRead?: (read: SettingFileRead) => void,
): Layer {
  const layer: Layer = new Map();
  for (const [setting, { direct, viaFile }] of raws) {
    const directLabel = sourceLabel(source, setting, false);
    const fileLabel = sourceLabel(source, setting, true);
    const problem = (message: string) => problems.push({ subject: setting.key, source, message });
    if (direct !== undefined && viaFile !== undefined) {
      problem(`both ${directLabel} and ${fileLabel} are set; use one`);
    } else if (direct !== undefined) {
      layer.set(setting, { value: direct, origin: { source, label: directLabel } });
    } else if (viaFile !== undefined) {
      try {
        // Secret files usually end with a newline that is not part of the value.
        const value = readFileSync(resolve(cwd, viaFile), 'utf8').replace(/[\r\n]+$/, '');
        layer.set(setting, { value, origin: { source, label: fileLabel } });
        onFileRead?.({
          setting: setting.key,
          name: fileLabel.slice(source.length + 1),
          secret: setting.secret === true,
        });
      } catch (error) {
        problem(`cannot read ${fileLabel} (${viaFile}): ${errorCode(error)}`);
      }
    }
  }
  return layer;
}

/** The parsed config file, or why it could not be used. */
function readConfigFile(absolutePath: string): Record<string, unknown> | string {
  let text: string;
  try {
    text = readFileSync(absolutePath, 'utf8');
  } catch (error) {
    return `cannot read config file: ${errorCode(error)}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `invalid JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  return isPlainObject(parsed) ? parsed : 'must contain a JSON object';
}

// ---- Reporting ----

function describeIssue(
  issue: z.core.$ZodIssue,
  input: Record<string, unknown>,
  origins: ReadonlyMap<string, Origin>,
): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    // Only the config file can carry keys the schema does not know.
    return issue.keys.map((key) => ({
      subject: [...issue.path, key].join('.'),
      source: 'file',
      message: 'unknown setting',
    }));
  }
  const setting = SETTINGS.find((candidate) =>
    candidate.path.every((segment, index) => issue.path[index] === segment),
  );
  if (setting === undefined) {
    // A whole group has the wrong shape, e.g. `"http": 8080` in the file.
    return [{ subject: issue.path.join('.'), source: 'file', message: issue.message }];
  }
  const origin = origins.get(setting.key) ?? { source: 'default', label: 'default' };
  const raw = origin.source === 'default' ? undefined : getAtPath(input, setting.path);
  const shown =
    raw === undefined ? '' : setting.secret === true ? ' = [redacted]' : ` = ${truncate(raw)}`;
  return [
    {
      subject: setting.key,
      source: origin.source,
      message: `${issue.message} (from ${origin.label}${shown})`,
    },
  ];
}

function truncate(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function errorCode(error: unknown): string {
  return error instanceof Error && 'code' in error ? String(error.code) : String(error);
}

// ---- Small object helpers ----

function nonEmpty(value: string | undefined): string | undefined {
  // `VAR=` (as copied from .env.example) means "not set", not "set to empty".
  return value === undefined || value === '' ? undefined : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function getAtPath(root: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

function setAtPath(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let current = root;
  for (const segment of path.slice(0, -1)) {
    const next = current[segment] ?? (current[segment] = {});
    // A malformed group from the file stays malformed so the schema reports it.
    if (!isPlainObject(next)) return;
    current = next;
  }
  current[path.at(-1)!] = value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
