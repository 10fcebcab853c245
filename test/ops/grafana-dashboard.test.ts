// ops/grafana/throughline.json: a dashboard Grafana can import — JSON, its
// data source an input (DS_PROMETHEUS) that every query panel and variable
// uses — whose queries read only metrics the service exposes and series the
// rules in ops/prometheus/alerts.yml record: renaming a metric or a recording
// rule without the dashboard fails here, as it does for the rules.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  DASHBOARD_FILE,
  findPromtool,
  metricNames,
  PROMTOOL_MISSING,
  readRules,
  runPromtool,
  scrapedSeriesNames,
} from '../support/prometheus.ts';

interface Target {
  readonly expr?: string;
  readonly refId?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
}

interface Panel {
  readonly id?: number;
  readonly type?: string;
  readonly title?: string;
  readonly gridPos?: { h: number; w: number; x: number; y: number };
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}

interface Dashboard {
  readonly schemaVersion?: number;
  readonly uid?: string;
  readonly __inputs?: readonly { name: string; type: string; pluginId: string }[];
  readonly panels?: readonly Panel[];
  readonly templating?: {
    readonly list?: readonly {
      name: string;
      type: string;
      datasource?: Panel['datasource'];
      query?: { query?: string } | string;
    }[];
  };
}

const DATASOURCE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };

/** Every panel, those inside rows included; rows themselves hold no queries. */
function queryPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((panel) =>
    panel.type === 'row' ? queryPanels(panel.panels ?? []) : [panel],
  );
}

/** The PromQL of a variable's query: `label_values(<expr>, label)` reads <expr>. */
function variableExpr(query: string): string {
  const labelValues = /^label_values\((.*),\s*\w+\)$/s.exec(query.trim());
  return labelValues?.[1] ?? query;
}

describe('Grafana dashboard', () => {
  let dashboard: Dashboard;
  before(async () => {
    dashboard = JSON.parse(await readFile(DASHBOARD_FILE, 'utf8')) as Dashboard;
  });

  test('imports with its data source as an input', () => {
    assert.ok((dashboard.schemaVersion ?? 0) >= 36, `schemaVersion ${dashboard.schemaVersion}`);
    assert.equal(dashboard.uid, 'throughline');
    assert.deepEqual(
      dashboard.__inputs?.map(({ name, type, pluginId }) => ({ name, type, pluginId })),
      [{ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }],
    );
  });

  test('gives every panel and variable the data source, and every panel a query', () => {
    const panels = queryPanels(dashboard.panels ?? []);
    assert.ok(panels.length >= 20, `${panels.length} panels`);
    const ids = new Set<number>();
    for (const panel of panels) {
      const name = panel.title ?? String(panel.id);
      assert.deepEqual(panel.datasource, DATASOURCE, name);
      assert.ok(panel.gridPos !== undefined && panel.gridPos.x + panel.gridPos.w <= 24, name);
      assert.ok(panel.id !== undefined && !ids.has(panel.id), `${name}: id`);
      ids.add(panel.id);
      assert.ok((panel.targets ?? []).length > 0, `${name}: no query`);
      for (const target of panel.targets ?? []) {
        assert.deepEqual(target.datasource, DATASOURCE, `${name} ${target.refId}`);
        assert.ok((target.expr ?? '').trim() !== '', `${name} ${target.refId}: no expr`);
      }
    }
    for (const variable of dashboard.templating?.list ?? []) {
      if (variable.type === 'query')
        assert.deepEqual(variable.datasource, DATASOURCE, variable.name);
    }
  });

  test('has queries Prometheus parses', async (t) => {
    const tool = await findPromtool();
    if (tool === undefined) {
      t.skip(PROMTOOL_MISSING);
      return;
    }
    // promtool parses the PromQL of a rules file: each query becomes a
    // recording rule, with Grafana's interval variable replaced by a duration
    // (the other variables sit inside label values, which are strings).
    const exprs = queryPanels(dashboard.panels ?? []).flatMap((panel) =>
      (panel.targets ?? []).map((target) => target.expr ?? ''),
    );
    const rules = exprs
      .map(
        (expr, i) =>
          `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(expr.replaceAll('$__rate_interval', '5m'))}`,
      )
      .join('\n');
    const dir = await mkdtemp(join(tmpdir(), 'throughline-dashboard-'));
    try {
      await writeFile(
        join(dir, 'queries.yml'),
        `groups:\n  - name: dashboard\n    rules:\n${rules}\n`,
      );
      const check = await runPromtool(tool, ['check', 'rules', 'queries.yml'], dir);
      assert.equal(check.code, 0, check.output);
      assert.match(check.output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('queries only metrics the service exposes and series the rules record', async () => {
    const exposed = await scrapedSeriesNames();
    const recorded = new Set(
      (await readRules()).filter((rule) => rule.kind === 'record').map((rule) => rule.name),
    );
    const queries = [
      ...queryPanels(dashboard.panels ?? []).flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({ where: panel.title, expr: target.expr ?? '' })),
      ),
      ...(dashboard.templating?.list ?? [])
        .filter((variable) => variable.type === 'query')
        .map((variable) => ({
          where: `variable ${variable.name}`,
          expr: variableExpr(
            typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? ''),
          ),
        })),
    ];
    const unknown: string[] = [];
    const read = new Set<string>();
    for (const { where, expr } of queries) {
      for (const name of metricNames(expr)) {
        read.add(name);
        if (name !== 'up' && !exposed.has(name) && !recorded.has(name))
          unknown.push(`${name} (${where})`);
      }
    }
    // The RED and USE families, and the SLO series, are all on the dashboard.
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'http_requests_in_flight',
      'db_pool_connections',
      'db_pool_waiting',
      'cache_requests_total',
      'queue_jobs',
      'nodejs_eventloop_lag_p99_seconds',
      'job:slo_availability_budget_remaining:ratio',
      'job:slo_latency_budget_remaining:ratio',
    ])
      assert.ok(read.has(name), `the dashboard does not show ${name}`);
    assert.deepEqual(unknown, [], `not exposed nor recorded: ${unknown.join(', ')}`);
  });
});
