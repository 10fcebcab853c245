// Shared by the deployment checks in test/deploy: the repository's files,
// the image's environment as the Dockerfile sets it, and the settings the
// service knows (so a renamed setting breaks the manifests' tests).

import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { SETTINGS } from '../../src/platform/config-schema.ts';
import { parseDockerfile } from './dockerfile.ts';

export const ROOT = new URL('../../', import.meta.url);

export function readRepoFile(path: string): string {
  return readFileSync(new URL(path, ROOT), 'utf8');
}

/** Every document of a YAML file (merge keys `<<` applied), failing on any parse error. */
export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readRepoFile(path), { merge: true }).map((document) => {
    if (document.errors.length > 0) {
      throw new Error(`${path}: ${document.errors.map((error) => error.message).join('; ')}`);
    }
    return document.toJS() as unknown;
  });
}

/** The variables the service reads: each setting's name, and `<name>_FILE` for any of them. */
const SETTING_NAMES = new Set(SETTINGS.map((setting) => setting.env));

/** Read by the process entries or by Node, not by the config schema. */
const RUNTIME_VARIABLES = new Set(['CONFIG_FILE', 'XDG_CACHE_HOME', 'NODE_COMPILE_CACHE']);

/** Names among these that neither the service nor its runtime reads (a typo, or a renamed setting). */
export function unknownVariables(names: Iterable<string>): string[] {
  return [...names].filter((name) => {
    if (RUNTIME_VARIABLES.has(name) || SETTING_NAMES.has(name)) return false;
    return !(name.endsWith('_FILE') && SETTING_NAMES.has(name.slice(0, -'_FILE'.length)));
  });
}

/** The ENV of the Dockerfile's last stage: what every container starts with. */
export function imageEnvironment(): Record<string, string> {
  const final = parseDockerfile(readRepoFile('Dockerfile')).at(-1)!;
  const env: Record<string, string> = {};
  for (const instruction of final.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const match of instruction.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
      env[match[1]!] = match[2]!.replace(/^"|"$/g, '');
    }
  }
  return env;
}

/** A duration as compose and Kubernetes write them (`25s`, `1m30s`), in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let consumed = '';
  for (const match of text.matchAll(pattern)) {
    total += Number(match[1]) * units[match[2]!]!;
    consumed += match[0];
  }
  if (consumed !== text) throw new Error(`not a duration: ${text}`);
  return total;
}
