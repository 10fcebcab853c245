// ops/prometheus/alerts.yml: the rules load in Prometheus (promtool check
// rules) and behave as their unit tests say — each SLO alert fires in a fast
// (or slow) burn and stays quiet on healthy traffic, the cause alerts fire on
// their cause (promtool test rules, ops/prometheus/alerts.test.yml). Every
// alert can be routed and acted on (a severity, a summary, a description, a
// runbook that exists in docs/operations.md), and every metric the rules read
// is one the service exposes: renaming a metric without its rules fails here.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  findPromtool,
  headingAnchors,
  metricNames,
  PROMTOOL_MISSING,
  readRules,
  RULES_DIR,
  runPromtool,
  scrapedSeriesNames,
  type Rule,
} from '../support/prometheus.ts';

/** Series the rules may read that no scrape of the service declares. */
const FROM_PROMETHEUS = new Set(['up']);

describe('Prometheus rules', () => {
  let rules: Rule[];
  before(async () => {
    rules = await readRules();
  });

  test('load in promtool, and pass their unit tests', async (t) => {
    const tool = await findPromtool();
    if (tool === undefined) {
      t.skip(PROMTOOL_MISSING);
      return;
    }
    const check = await runPromtool(tool, ['check', 'rules', 'alerts.yml'], RULES_DIR);
    assert.equal(check.code, 0, check.output);
    // The file's reader here saw every rule promtool did.
    assert.match(check.output, new RegExp(`SUCCESS: ${rules.length} rules found`), check.output);
    const unit = await runPromtool(tool, ['test', 'rules', 'alerts.test.yml'], RULES_DIR);
    assert.equal(unit.code, 0, unit.output);
    assert.match(unit.output, /SUCCESS/, unit.output);
  });

  test('give every alert a severity, a summary, a description and a runbook that exists', async () => {
    const anchors = await headingAnchors();
    const alerts = rules.filter((rule) => rule.kind === 'alert');
    assert.ok(alerts.length >= 10, `${alerts.length} alerts`);
    for (const alert of alerts) {
      assert.ok(['page', 'ticket'].includes(alert.labels.severity ?? ''), alert.name);
      assert.ok((alert.annotations.summary ?? '') !== '', `${alert.name}: summary`);
      assert.ok((alert.annotations.description ?? '') !== '', `${alert.name}: description`);
      const runbook = /^docs\/operations\.md#(.+)$/.exec(alert.annotations.runbook_url ?? '');
      assert.ok(runbook !== null, `${alert.name}: runbook_url`);
      assert.equal(runbook[1], alert.name.toLowerCase(), `${alert.name}: runbook anchor`);
      assert.ok(anchors.has(runbook[1]), `docs/operations.md has no heading ${alert.name}`);
    }
  });

  test('read only metrics the service exposes, and series they record first', async () => {
    const exposed = await scrapedSeriesNames();
    const recorded = new Set(rules.filter((r) => r.kind === 'record').map((r) => r.name));
    const read = new Set(rules.flatMap((rule) => [...metricNames(rule.expr)]));
    // The reader found the families the rules are about.
    for (const name of ['http_requests_total', 'db_pool_waiting', 'queue_jobs', 'up'])
      assert.ok(read.has(name), name);
    const unknown = [...read].filter(
      (name) => !recorded.has(name) && !FROM_PROMETHEUS.has(name) && !exposed.has(name),
    );
    assert.deepEqual(unknown, [], `not in a scrape of GET /metrics: ${unknown.join(', ')}`);
  });
});
