// Property-based fuzzing of every operation in the served OpenAPI document.
//
// For each operation, requests are generated from its parameter and body
// schemas — valid ones, and ones broken in one place (wrong types, missing
// members, values out of range, extra members, NUL characters, huge ids, bad
// cursors, malformed bodies) — and sent by every kind of caller: anonymous,
// admin and customer bearer tokens, an API key, a browser session with its
// CSRF token. Ids come from real objects the suite created as well as at
// random. Every answer must be timely, never a 5xx, a problem+json with a
// code when it refuses, and match the document (the response check of
// test/support/contract/ sees every response); valid input must not be
// refused for a reason the document does not give, invalid input must not be
// accepted.
//
// Why fast-check: properties with generated input, reproducible from a seed,
// with shrinking to a small failing request — and it is already a dev
// dependency. Inputs come from the document's own schemas through a small
// JSON Schema → arbitrary translation (fuzz/schema-arbitrary.ts; no such
// generator is installed). Ajv (via the response check) decides what the
// document allows, for generated requests and for every response.
//
// FUZZ_SEED reproduces a run (the seed is printed); FUZZ_RUNS scales the
// requests per operation (default 30: with some 130 operations, the file is
// the suite's longest) and the time each may take with it.
// The service's state carries over between requests, so a replay follows the
// same path only from the same starting state: run the whole file.
// Known, tracked differences are listed in test/support/contract/known-gaps.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { operationsOf } from '../support/contract/document.ts';
import { isKnownGap } from '../support/contract/known-gaps.ts';
import { startService } from '../support/start.ts';
import { describeExchange, judge, requestFor, send, type Finding } from './fuzz/exchange.ts';
import { Fixtures, PRINCIPALS, type PrincipalName } from './fuzz/fixtures.ts';
import { hintsFor } from './fuzz/hints.ts';
import { defaultJunk, OperationModel, show, type GeneratedCase } from './fuzz/operation.ts';

const DEFAULT_RUNS = 30;
const RUNS = Number(process.env.FUZZ_RUNS ?? DEFAULT_RUNS);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/**
 * Time per operation; argon2-bound operations (sign-up, sign-in) reach it
 * before RUNS. fast-check fails a property that was interrupted before its
 * first run, so the budget must hold at least one slow request on a loaded machine.
 */
const OPERATION_MS = 4_000 * (RUNS / DEFAULT_RUNS);
/** A request slower than this counts as a hang (generous: the machine may be loaded). */
const REQUEST_TIMEOUT_MS = 15_000;
/** FUZZ_REPORT_ONLY=1 lists every finding instead of failing on the first per operation. */
const REPORT_ONLY = process.env.FUZZ_REPORT_ONLY === '1';
/** FUZZ_ONLY=<regular expression> fuzzes only the operations (`METHOD /path`) it matches. */
const ONLY = process.env.FUZZ_ONLY === undefined ? undefined : new RegExp(process.env.FUZZ_ONLY);
/** FUZZ_TRACE=1 prints each request before it is sent (to find what a hang was waiting for). */
const TRACE = process.env.FUZZ_TRACE === '1';

const ENV = {
  // Webhook endpoints on this machine, so one can be created and fail its deliveries fast.
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE: '100ms,100ms',
  // Generated sign-ins fail by the hundred from one address: keep the suite's callers unlocked.
  LOGIN_MAX_FAILURES: '100',
};

interface Tally {
  requests: number;
  valid: number;
  invalid: number;
  edge: number;
  /** Generated as valid but refused by the document's own schemas (a generator fault). */
  slips: number;
  /** Requests sent twice because the connection failed before any answer. */
  retries: number;
  statuses: Map<number, number>;
  ms: number;
}

function seedFor(key: string): number {
  let hash = SEED;
  for (const char of key) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

test('every documented operation under generated input', { timeout: 1_200_000 }, async (t) => {
  const started = performance.now();
  t.diagnostic(`FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
  const service = await startService({ env: ENV });
  t.after(() => service.close());
  const contract = service.contract!;
  const fixtures = new Fixtures(service.url);
  await fixtures.setUp();
  const document = contract.contract.document;
  const documentId = contract.contract.documentId;
  const junk = defaultJunk(() => Object.values(fixtures.pools.cursors).flat());
  const operations = operationsOf(document);
  const tallies = new Map<string, Tally>();
  const reported: string[] = [];
  const setupMs = performance.now() - started;

  for (const [method, path, operation] of operations) {
    const model = new OperationModel(document, documentId, method, path, operation);
    if (ONLY !== undefined && !ONLY.test(model.key)) continue;
    const tally: Tally = {
      requests: 0,
      valid: 0,
      invalid: 0,
      edge: 0,
      slips: 0,
      retries: 0,
      statuses: new Map(),
      ms: 0,
    };
    tallies.set(model.key, tally);
    await t.test(model.key, async () => {
      const opStarted = performance.now();
      await fixtures.revive();
      const hints = hintsFor(document, path, fixtures.pools);
      const cases = fc.oneof(
        model.valid(hints).map((input): GeneratedCase => ({ kind: 'valid', input })),
        model.broken(hints, junk),
      );
      const property = fc.asyncProperty(
        fc.constantFrom(...PRINCIPALS),
        cases,
        async (principal: PrincipalName, generated: GeneratedCase) => {
          if (fixtures.lost.has(principal)) return;
          let kind = generated.kind;
          if (kind === 'valid' && model.refusal(generated.input) !== undefined) {
            tally.slips += 1;
            kind = 'edge';
          }
          const sent = requestFor(service.url, model, generated.input, fixtures.headers(principal));
          const before = contract.mismatches.length;
          if (TRACE)
            process.stderr.write(`${principal} ${sent.method} ${sent.url} ${show(sent.body)}\n`);
          const outcome = await send(sent, REQUEST_TIMEOUT_MS);
          if (TRACE) process.stderr.write(`  → ${outcome.status} ${outcome.failure ?? ''}\n`);
          tally.requests += 1;
          tally[kind] += 1;
          if (outcome.retried) tally.retries += 1;
          tally.statuses.set(outcome.status, (tally.statuses.get(outcome.status) ?? 0) + 1);
          const findings: Finding[] = [
            ...judge(model, { ...generated, kind }, outcome).filter(
              (finding) => !isKnownGap({ operation: model.key, ...finding }),
            ),
            // The response check has already set its known gaps aside.
            ...contract.mismatches.splice(before).map((m) => ({
              kind: m.kind,
              status: m.status,
              detail: m.detail,
            })),
          ];
          if (findings.length === 0) return;
          const text = [
            `${model.key} as ${principal}, ${kind} input${generated.mutation === undefined ? '' : ` (${generated.mutation})`}:`,
            ...findings.map((f) => `  [${f.kind}] ${f.status} ${f.detail}`),
            describeExchange(sent, outcome),
          ].join('\n');
          if (REPORT_ONLY) {
            reported.push(text);
            return;
          }
          throw new Error(text);
        },
      );
      try {
        await fc.assert(property, {
          seed: seedFor(model.key),
          numRuns: RUNS,
          interruptAfterTimeLimit: OPERATION_MS,
          markInterruptAsFailure: false,
        });
      } finally {
        tally.ms = performance.now() - opStarted;
        if (TRACE) process.stderr.write(`${model.key}: done in ${Math.round(tally.ms)} ms\n`);
      }
    });
  }

  const totals = [...tallies.values()].reduce(
    (sum, tally) => ({
      requests: sum.requests + tally.requests,
      valid: sum.valid + tally.valid,
      invalid: sum.invalid + tally.invalid,
      edge: sum.edge + tally.edge,
      slips: sum.slips + tally.slips,
      retries: sum.retries + tally.retries,
    }),
    { requests: 0, valid: 0, invalid: 0, edge: 0, slips: 0, retries: 0 },
  );
  const statuses = new Map<number, number>();
  for (const tally of tallies.values()) {
    for (const [status, count] of tally.statuses)
      statuses.set(status, (statuses.get(status) ?? 0) + count);
  }
  t.diagnostic(
    `${tallies.size} operations, ${totals.requests} generated requests (${totals.valid} valid, ${totals.invalid} invalid, ${totals.edge} edge), set-up ${Math.round(setupMs)} ms, total ${Math.round(performance.now() - started)} ms`,
  );
  t.diagnostic(
    `statuses: ${[...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}`,
  );
  t.diagnostic(`response check: ${JSON.stringify(contract.stats)}`);
  const pools = Object.entries(fixtures.pools).map(
    ([name, pool]) =>
      `${name} ${Array.isArray(pool) ? pool.length : Object.values(pool).flat().length}`,
  );
  t.diagnostic(`real objects used as ids: ${pools.join(', ')}`);
  t.diagnostic(`callers lost on the way: ${[...fixtures.lost].join(', ') || 'none'}`);
  t.diagnostic(`requests sent again after a failed connection: ${totals.retries}`);
  if (process.env.FUZZ_VERBOSE === '1') {
    for (const [key, tally] of tallies) {
      t.diagnostic(
        `${key}: ${tally.requests} requests in ${Math.round(tally.ms)} ms; ${[...tally.statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`,
      );
    }
  }
  if (REPORT_ONLY) {
    console.log(`${reported.length} findings:\n\n${reported.join('\n\n')}`);
  }
  assert.equal(totals.slips, 0, 'requests generated as valid that the document refuses');
  const idle = [...tallies].filter(([, tally]) => tally.requests === 0).map(([key]) => key);
  assert.deepEqual(idle, [], 'operations no request reached');
});
