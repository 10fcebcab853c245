// The house rules for imports, checked on every `npm run check`:
//
//   http/        the framework core: imports nothing of ours but errors/
//   grpc/        the gRPC core: errors/ and the HTTP core's input validation only
//   errors/      the error vocabulary every layer raises: imports nothing of ours
//   platform/    config, logging, lifecycle, sql helpers…: no modules, no adapters, no http
//   ports/       interfaces and their contract suites: no modules, no adapters
//   adapters/    engines behind the ports: no modules, no http
//   modules/     the domain: no adapters; one folder per module, each with
//                its module.ts (the contract in modules/contract.ts, which
//                imports no module, so every module can depend on it)
//   wiring/      the composition root: the only folder that may import adapters/
//
// and no cycles: none between top folders, none between modules (a module
// needs another's part through a port, an event, or what its owner exports
// from a module-free place). Tests may reach anything; they are not checked.
//
//   node scripts/check-imports.ts          exit 1 and a list when a rule breaks
//   node scripts/check-imports.ts --graph  also print the folder and module graphs

import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Folder → folders it must not import. Folders not listed may import anything. */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  http: ['platform', 'ports', 'adapters', 'modules', 'wiring'],
  grpc: ['platform', 'ports', 'adapters', 'modules', 'wiring'],
  errors: ['http', 'platform', 'ports', 'adapters', 'modules', 'wiring'],
  platform: ['http', 'adapters', 'modules', 'wiring'],
  ports: ['http', 'adapters', 'modules', 'wiring'],
  adapters: ['http', 'modules', 'wiring'],
  modules: ['adapters', 'wiring'],
};

const IMPORT =
  /(?:^|[;\s])(?:import|export)\s[^'";]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await sourceFiles(path)));
    else if (/\.ts$/.test(entry.name) && !/\.(test|contract|case)\.ts$/.test(entry.name)) {
      files.push(path);
    }
  }
  return files;
}

interface Edge {
  readonly from: string;
  readonly to: string;
}

/**
 * `modules/orders/repo.ts` → folder `modules`, module `orders`; a file directly
 * in `modules/` (the module contract) belongs to no module; a top-level file is `wiring`.
 */
function place(file: string): { folder: string; module: string | undefined } {
  const parts = relative(SRC, file).split(sep);
  if (parts.length === 1) return { folder: 'wiring', module: undefined };
  const folder = parts[0]!;
  return { folder, module: folder === 'modules' && parts.length > 2 ? parts[1] : undefined };
}

/** Module folders without their entry, `modules/<name>/module.ts`. */
async function modulesWithoutEntry(): Promise<string[]> {
  const entries = await readdir(join(SRC, 'modules'), { withFileTypes: true });
  const missing: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const files = await readdir(join(SRC, 'modules', entry.name));
    if (!files.includes('module.ts')) missing.push(entry.name);
  }
  return missing;
}

async function edges(): Promise<Edge[]> {
  const found: Edge[] = [];
  for (const file of await sourceFiles(SRC)) {
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const target = resolve(dirname(file), match[1] ?? match[2]!);
      if (!target.startsWith(SRC)) continue; // tests, scripts: not part of the house
      found.push({ from: file, to: target });
    }
  }
  return found;
}

/** Every cycle's members in a directed graph (strongly connected components of size > 1). */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0;
  const indexes = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    indexes.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexes.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indexes.get(next)!));
      }
    }
    if (low.get(node) === indexes.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indexes.has(node)) visit(node);
  return components;
}

function addEdge(graph: Map<string, Set<string>>, from: string, to: string): void {
  if (from === to) return;
  if (!graph.has(from)) graph.set(from, new Set());
  if (!graph.has(to)) graph.set(to, new Set());
  graph.get(from)!.add(to);
}

async function main(): Promise<number> {
  const problems: string[] = [];
  const folders = new Map<string, Set<string>>();
  const modules = new Map<string, Set<string>>();
  for (const { from, to } of await edges()) {
    const a = place(from);
    const b = place(to);
    if (FORBIDDEN[a.folder]?.includes(b.folder)) {
      problems.push(
        `${relative(SRC, from)} imports ${relative(SRC, to)} (${a.folder} → ${b.folder})`,
      );
    }
    if (a.folder === 'modules' && a.module === undefined && b.module !== undefined) {
      problems.push(
        `${relative(SRC, from)} imports ${relative(SRC, to)} (the module contract imports no module)`,
      );
    }
    addEdge(folders, a.folder, b.folder);
    if (a.module !== undefined && b.module !== undefined) addEdge(modules, a.module, b.module);
  }
  for (const name of await modulesWithoutEntry()) {
    problems.push(`modules/${name} has no module.ts (its entry: see modules/contract.ts)`);
  }
  for (const cycle of cycles(folders)) problems.push(`folder cycle: ${cycle.join(' ↔ ')}`);
  for (const cycle of cycles(modules)) problems.push(`module cycle: ${cycle.join(' ↔ ')}`);
  if (process.argv.includes('--graph')) {
    for (const [name, graph] of [
      ['folders', folders],
      ['modules', modules],
    ] as const) {
      process.stdout.write(`${name}:\n`);
      for (const [node, targets] of [...graph].sort()) {
        process.stdout.write(`  ${node} → ${[...targets].sort().join(', ') || '—'}\n`);
      }
    }
  }
  if (problems.length === 0) {
    process.stdout.write('imports follow the house rules\n');
    return 0;
  }
  process.stderr.write(`${problems.length} import(s) break the house rules:\n`);
  for (const problem of problems) process.stderr.write(`  ${problem}\n`);
  return 1;
}

process.exitCode = await main();
