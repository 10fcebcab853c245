// A CycloneDX SBOM of the production dependency tree, from npm's own
// generator, cut down to the packages package-lock.json does not mark dev.
//
// Why not `npm sbom --omit dev`: it drops production packages that a dev
// dependency also reaches (npm/cli#7909; here pino, pg-protocol, tslib and
// some forty more), so it under-reports exactly what ships. The full SBOM
// lists everything; the lockfile's dev flags, the same source the licence
// check reads, decide what is removed. The SBOM is of the lockfile
// (--package-lock-only): what `npm ci` installs, on every platform, whatever
// state the local node_modules is in.

import type { ProductionPackage } from './licences.ts';

export interface CycloneDxComponent {
  readonly 'bom-ref'?: string;
  readonly name: string;
  readonly group?: string;
  readonly version?: string;
  readonly [field: string]: unknown;
}

export interface CycloneDxBom {
  readonly bomFormat: string;
  readonly specVersion: string;
  readonly metadata?: { component?: Record<string, unknown>; [field: string]: unknown };
  readonly components: readonly CycloneDxComponent[];
  readonly dependencies?: readonly { ref: string; dependsOn?: readonly string[] }[];
  readonly [field: string]: unknown;
}

/** `@scope/name@1.2.3`, however npm split group and name. */
export function componentKey(component: CycloneDxComponent): string {
  const name = component.group ? `${component.group}/${component.name}` : component.name;
  return `${name}@${component.version ?? ''}`;
}

const packageKey = (pkg: ProductionPackage): string => `${pkg.name}@${pkg.version}`;

/** The BOM with only production components, and the dependency graph pruned to match. */
export function productionBom(
  bom: CycloneDxBom,
  production: readonly ProductionPackage[],
  project: { name: string; version: string },
): CycloneDxBom {
  const wanted = new Set(production.map(packageKey));
  const components = bom.components.filter((component) => wanted.has(componentKey(component)));
  const kept = new Set(components.map((component) => component['bom-ref']));
  const rootRef = bom.metadata?.component?.['bom-ref'];
  kept.add(typeof rootRef === 'string' ? rootRef : undefined);
  const dependencies = (bom.dependencies ?? [])
    .filter((dependency) => kept.has(dependency.ref))
    .map((dependency) => ({
      ...dependency,
      dependsOn: (dependency.dependsOn ?? []).filter((ref) => kept.has(ref)),
    }));
  return {
    ...bom,
    // npm names the root after the folder it ran in; the package name is the stable one.
    metadata: bom.metadata?.component
      ? { ...bom.metadata, component: { ...bom.metadata.component, ...project } }
      : bom.metadata,
    components,
    dependencies,
  };
}

/** What is wrong with a production SBOM, or nothing. */
export function sbomProblems(bom: unknown, production: readonly ProductionPackage[]): string[] {
  if (!bom || typeof bom !== 'object') return ['not a JSON object'];
  const { bomFormat, specVersion, components } = bom as Partial<CycloneDxBom>;
  const problems: string[] = [];
  if (bomFormat !== 'CycloneDX') problems.push(`bomFormat is ${String(bomFormat)}, not CycloneDX`);
  if (typeof specVersion !== 'string') problems.push('no specVersion');
  if (!Array.isArray(components)) return [...problems, 'no components'];
  const listed = new Set(components.map(componentKey));
  const wanted = new Set(production.map(packageKey));
  for (const key of wanted) if (!listed.has(key)) problems.push(`missing ${key}`);
  for (const key of listed) if (!wanted.has(key)) problems.push(`not a production package: ${key}`);
  return problems;
}
