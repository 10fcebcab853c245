// EXPLAIN (ANALYZE, BUFFERS) of the statements the search adapter runs for
// one request — built by the adapter's own builders
// (src/adapters/search/statements.ts), so what is explained is what runs —
// reduced to what a reader needs: the time, the buffers touched and the
// scans, each with its table and index. `npm run bench:search` prints one
// per query shape; explain.test.ts checks that every shape reads products
// through an index.

import { sql, type Kysely, type RawBuilder } from 'kysely';
import { looseWords, parseQueryText } from '../../src/adapters/search/query-text.ts';
import {
  correctionsStatement,
  searchStatements,
  suggestStatement,
} from '../../src/adapters/search/statements.ts';
import { naiveSearchStatements, naiveSuggestStatement } from './naive-search.ts';
import type { BenchRequest } from './queries.ts';

export interface Scan {
  /** The plan node: Seq Scan, Index Scan, Index Only Scan, Bitmap Index Scan… */
  readonly node: string;
  /** The table read; for a Bitmap Index Scan, the one its index belongs to. */
  readonly table: string | undefined;
  readonly index: string | undefined;
  /** The index is searched (an Index Cond), not merely read in order from one end. */
  readonly searched: boolean;
}

export interface PlanSummary {
  /**
   * Which of the request's statements: corrections and search (text), page
   * and facets (a listing), suggest; the baseline's page, count, suggest.
   */
  readonly statement: 'corrections' | 'search' | 'page' | 'facets' | 'count' | 'suggest';
  readonly executionMs: number;
  readonly planningMs: number;
  /** Shared buffers found in memory and read from outside it, at the top of the plan. */
  readonly sharedHit: number;
  readonly sharedRead: number;
  readonly scans: readonly Scan[];
}

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly 'Index Cond'?: string;
  readonly 'Shared Hit Blocks'?: number;
  readonly 'Shared Read Blocks'?: number;
  readonly Plans?: readonly PlanNode[];
}

interface Explained {
  readonly Plan: PlanNode;
  readonly 'Planning Time': number;
  readonly 'Execution Time': number;
}

/** Maps index names to their tables, for Bitmap Index Scans (whose node names no table). */
const INDEX_TABLE = /^(products|search_terms|brands|categories)_/;

function scansOf(node: PlanNode): Scan[] {
  const own: Scan[] = node['Node Type'].endsWith('Scan')
    ? [
        {
          node: node['Node Type'],
          table: node['Relation Name'] ?? INDEX_TABLE.exec(node['Index Name'] ?? '')?.[1],
          index: node['Index Name'],
          searched: node['Index Cond'] !== undefined,
        },
      ]
    : [];
  return [...own, ...(node.Plans ?? []).flatMap(scansOf)];
}

/** The plan of one statement, run (EXPLAIN ANALYZE executes it). */
export async function explainStatement<DB>(
  db: Kysely<DB>,
  statement: RawBuilder<unknown>,
  name: PlanSummary['statement'],
): Promise<PlanSummary> {
  const { rows } = await sql<Record<string, unknown>>`
    explain (analyze, buffers, format json) ${statement}`.execute(db);
  const raw = Object.values(rows[0] ?? {})[0];
  // node-postgres parses the json column; PGlite may hand back the text.
  const [explained] = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Explained[];
  if (explained === undefined) throw new Error('EXPLAIN returned no plan');
  return {
    statement: name,
    executionMs: explained['Execution Time'],
    planningMs: explained['Planning Time'],
    sharedHit: explained.Plan['Shared Hit Blocks'] ?? 0,
    sharedRead: explained.Plan['Shared Read Blocks'] ?? 0,
    scans: scansOf(explained.Plan),
  };
}

export interface NamedStatement {
  readonly name: PlanSummary['statement'];
  readonly statement: RawBuilder<unknown>;
}

/**
 * The statements the adapter runs for `request`, in order: the corrections
 * (when a word qualifies) and the search — built with the corrections the
 * first statement finds, so it is run here — or a listing's page and facets,
 * or the suggestion.
 */
export async function requestStatements<DB>(
  db: Kysely<DB>,
  request: BenchRequest,
): Promise<NamedStatement[]> {
  if (request.kind === 'suggest') {
    const statement = suggestStatement(request.prefix);
    return statement === undefined ? [] : [{ name: 'suggest', statement }];
  }
  const clauses = parseQueryText(request.query.text ?? '');
  const statements: NamedStatement[] = [];
  const corrections = new Map<string, string[]>();
  const correcting = correctionsStatement(looseWords(clauses));
  if (correcting !== undefined) {
    statements.push({ name: 'corrections', statement: correcting });
    for (const { word, term } of (await correcting.execute(db)).rows) {
      corrections.set(word, [...(corrections.get(word) ?? []), term]);
    }
  }
  const built = searchStatements(request.query, clauses, corrections);
  if (built.kind === 'text') statements.push({ name: 'search', statement: built.search });
  else {
    statements.push(
      { name: 'page', statement: built.page },
      { name: 'facets', statement: built.facets },
    );
  }
  return statements;
}

/** The plans of every statement the adapter runs for `request`. */
export async function explainRequest<DB>(
  db: Kysely<DB>,
  request: BenchRequest,
): Promise<PlanSummary[]> {
  const plans: PlanSummary[] = [];
  for (const { name, statement } of await requestStatements(db, request)) {
    plans.push(await explainStatement(db, statement, name));
  }
  return plans;
}

/** The plans of the ILIKE baseline's statements for `request` (naive-search.ts). */
export async function explainBaseline<DB>(
  db: Kysely<DB>,
  request: BenchRequest,
): Promise<PlanSummary[]> {
  if (request.kind === 'suggest') {
    const statement = naiveSuggestStatement(request.prefix);
    return statement === undefined ? [] : [await explainStatement(db, statement, 'suggest')];
  }
  const { page, count } = naiveSearchStatements(request.query);
  return [await explainStatement(db, page, 'page'), await explainStatement(db, count, 'count')];
}

/** "Bitmap Index Scan products_search_idx, Seq Scan brands", each scan once. */
export function describeScans(scans: readonly Scan[]): string {
  const seen = new Set<string>();
  for (const scan of scans) {
    seen.add(`${scan.node} ${scan.index ?? scan.table ?? '?'}`);
  }
  return [...seen].join(', ');
}

/** One line per statement: time, buffers, scans. */
export function formatPlans(plans: readonly PlanSummary[]): string[] {
  return plans.map(
    (plan) =>
      `${plan.statement.padEnd(11)} ${plan.executionMs.toFixed(2).padStart(7)} ms` +
      `  ${String(plan.sharedHit + plan.sharedRead).padStart(5)} buffers` +
      `${plan.sharedRead > 0 ? ` (${plan.sharedRead} read)` : ''}  ${describeScans(plan.scans)}`,
  );
}
