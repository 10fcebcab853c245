// The production dependency tree and the licence each package declares,
// judged against the policy in licence-policy.ts.
//
// The tree comes from package-lock.json (every package not marked dev), so the
// answer is the same on every platform: optional per-platform binaries that
// are not installed here are checked too, from the lockfile's record. A
// package that is installed is read from its own package.json, which also
// covers the legacy `licenses` array the lockfile does not record.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSpdx, refusedLicences, SpdxSyntaxError } from './spdx.ts';
import { ALLOWED_LICENCES, type LicenceException, UNDECLARED } from './licence-policy.ts';

export interface ProductionPackage {
  readonly name: string;
  readonly version: string;
  /** Where it sits in the tree, e.g. `node_modules/a/node_modules/b`. */
  readonly path: string;
  /** The declared licence as one SPDX-style string, or UNDECLARED. */
  readonly declared: string;
}

interface LockEntry {
  readonly name?: string;
  readonly version?: string;
  readonly license?: unknown;
  readonly dev?: boolean;
  readonly link?: boolean;
}

/** `license` as a string or `{ type }`, or the legacy `licenses: [{ type }]` (a choice of any). */
export function declaredLicence(manifest: { license?: unknown; licenses?: unknown }): string {
  const typeOf = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value.trim() || undefined;
    if (value && typeof value === 'object' && 'type' in value && typeof value.type === 'string') {
      return value.type.trim() || undefined;
    }
    return undefined;
  };
  const single = typeOf(manifest.license);
  if (single !== undefined) return single;
  if (Array.isArray(manifest.licenses) && manifest.licenses.length > 0) {
    const types = manifest.licenses.map(typeOf);
    if (types.every((type) => type !== undefined)) {
      return types.length === 1 ? types[0]! : types.map((type) => `(${type})`).join(' OR ');
    }
  }
  return UNDECLARED;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const NODE_MODULES = 'node_modules/';

/** Every non-dev package in the lockfile under `root`. */
export async function productionPackages(root: string): Promise<ProductionPackage[]> {
  const lock = (await readJson(join(root, 'package-lock.json'))) as
    { packages?: Record<string, LockEntry> } | undefined;
  if (!lock?.packages) throw new Error(`no lockfile v2/v3 in ${root}`);
  const found: ProductionPackage[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    // "" is the project itself; links point at a folder listed on its own.
    if (path === '' || entry.dev === true || entry.link === true) continue;
    const installed = (await readJson(join(root, path, 'package.json'))) as
      { name?: string; version?: string; license?: unknown; licenses?: unknown } | undefined;
    const name =
      installed?.name ??
      entry.name ??
      path.slice(path.lastIndexOf(NODE_MODULES) + NODE_MODULES.length);
    found.push({
      name,
      version: installed?.version ?? entry.version ?? '?',
      path,
      declared: declaredLicence(installed ?? { license: entry.license }),
    });
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

export interface Refusal {
  readonly pkg: ProductionPackage;
  readonly why: string;
}

export interface LicenceReport {
  readonly checked: number;
  readonly excepted: readonly ProductionPackage[];
  readonly refused: readonly Refusal[];
  /** Exceptions no package needs any more: stale entries hide the next real problem. */
  readonly unusedExceptions: readonly LicenceException[];
}

const ALLOWED = new Set(ALLOWED_LICENCES.map((id) => id.toLowerCase()));
const isAllowed = (id: string): boolean => ALLOWED.has(id.toLowerCase());

/** Why a declared licence is not acceptable by itself, or undefined when it is. */
export function licenceProblem(declared: string, allowed = isAllowed): string | undefined {
  if (declared === UNDECLARED) return 'no licence declared';
  try {
    const refused = refusedLicences(parseSpdx(declared), allowed);
    return refused.length === 0 ? undefined : `not on the allow-list: ${refused.join(', ')}`;
  } catch (error) {
    if (error instanceof SpdxSyntaxError) return `not an SPDX expression (${error.message})`;
    throw error;
  }
}

export function judge(
  packages: readonly ProductionPackage[],
  exceptions: readonly LicenceException[],
): LicenceReport {
  const used = new Set<LicenceException>();
  const excepted: ProductionPackage[] = [];
  const refused: Refusal[] = [];
  for (const pkg of packages) {
    const why = licenceProblem(pkg.declared);
    if (why === undefined) continue;
    const exception = exceptions.find(
      (candidate) => candidate.name === pkg.name && candidate.declared === pkg.declared,
    );
    if (exception) {
      used.add(exception);
      excepted.push(pkg);
    } else {
      refused.push({ pkg, why });
    }
  }
  return {
    checked: packages.length,
    excepted,
    refused,
    unusedExceptions: exceptions.filter((exception) => !used.has(exception)),
  };
}
