/**
 * The Grafana dashboard and the Prometheus alert rules use only the metrics (names, labels, label
 * values) declared in deploy/metric-names.json, every alert links an existing runbook, and every
 * PromQL expression parses with Prometheus' own parser (offline, test/deploy/promql-lint).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseYaml, root } from './support';

interface MetricSpec {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  labels: string[];
  labelValues?: Record<string, string[]>;
}

const spec = JSON.parse(readFileSync(path.join(root, 'deploy', 'metric-names.json'), 'utf8')) as {
  metrics: MetricSpec[];
};
const byName = new Map(spec.metrics.map((m) => [m.name, m]));
/** Labels Prometheus adds to every series at scrape time (and the histogram bucket label). */
const TARGET_LABELS = new Set([
  'namespace',
  'instance',
  'job',
  'pod',
  'service',
  'container',
  'endpoint',
  'le',
]);

interface Expr {
  where: string;
  expr: string;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}
const dashboard = JSON.parse(
  readFileSync(path.join(root, 'deploy', 'grafana', 'portcullis.json'), 'utf8'),
) as {
  panels: Panel[];
  templating: { list: { name: string; definition?: string }[] };
};
const dashboardExprs: Expr[] = [];
const walkPanels = (panels: Panel[]) => {
  for (const p of panels) {
    for (const t of p.targets ?? [])
      if (t.expr) dashboardExprs.push({ where: `panel "${p.title}"`, expr: t.expr });
    walkPanels(p.panels ?? []);
  }
};
walkPanels(dashboard.panels);

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = parseYaml<{ groups: { name: string; rules: Rule[] }[] }>(
  readFileSync(path.join(root, 'deploy', 'prometheus', 'alerts.yaml'), 'utf8'),
);
const alerts = rules.groups.flatMap((g) => g.rules);
const alertExprs: Expr[] = alerts.map((r) => ({ where: `alert ${r.alert ?? r.record}`, expr: r.expr }));

/** The metric a series name belongs to (histogram _bucket/_sum/_count map to their base name). */
function metricOf(series: string): MetricSpec | undefined {
  const direct = byName.get(series);
  if (direct) return direct;
  const base = series.replace(/_(bucket|sum|count)$/, '');
  const m = byName.get(base);
  return m && (m.type === 'histogram' || m.type === 'summary') ? m : undefined;
}

/** Every `portcullis_*` name in an expression, with the label matchers written right after it. */
function selectors(
  expr: string,
): { series: string; matchers: { label: string; op: string; value: string }[] }[] {
  const out = [];
  for (const m of expr.matchAll(/\b(portcullis_[a-z0-9_]+)(\{([^}]*)\})?/g)) {
    const matchers = [...(m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)].map(
      (x) => ({ label: x[1]!, op: x[2]!, value: x[3]! }),
    );
    out.push({ series: m[1]!, matchers });
  }
  return out;
}

const allExprs = [...dashboardExprs, ...alertExprs];

describe('deploy/metric-names.json', () => {
  test('declares the metrics the dashboard and alerts are built on', () => {
    for (const name of [
      'portcullis_http_requests_total',
      'portcullis_http_request_duration_seconds',
      'portcullis_events_published_total',
      'portcullis_events_consumed_total',
      'portcullis_consumer_lag_seconds',
      'portcullis_policy_snapshot_version',
      'portcullis_service_up',
      'portcullis_tool_calls_total',
      'portcullis_tool_call_duration_seconds',
      'portcullis_tool_call_denials_total',
      'portcullis_token_cache_requests_total',
      'portcullis_token_refreshes_total',
      'portcullis_audit_records_ingested_total',
    ]) {
      assert.ok(byName.has(name), name);
    }
    for (const m of spec.metrics) {
      assert.match(m.name, /^portcullis_[a-z0-9_]+$/);
      assert.ok(['counter', 'gauge', 'histogram', 'summary'].includes(m.type), m.name);
      if (m.type === 'counter') assert.match(m.name, /_total$/, `${m.name}: counters end in _total`);
      for (const l of Object.keys(m.labelValues ?? {}))
        assert.ok(m.labels.includes(l), `${m.name}: labelValues for unknown label ${l}`);
    }
  });

  test('the built-in metrics of @portcullis/observability are declared with the same labels', () => {
    const source = readFileSync(path.join(root, 'libs', 'observability', 'src', 'metrics.ts'), 'utf8');
    for (const m of source.matchAll(/'(portcullis_[a-z0-9_]+)',\s*'[^']*',\s*\[([^\]]*)\]/g)) {
      const declared = byName.get(m[1]!);
      assert.ok(declared, `${m[1]} is exposed by every service but missing from metric-names.json`);
      const labels = [...m[2]!.matchAll(/'([a-z_]+)'/g)].map((x) => x[1]);
      assert.deepEqual([...declared.labels].sort(), labels.sort(), m[1]);
    }
  });
});

describe('the Grafana dashboard and the alert rules', () => {
  test('use only declared metric names', () => {
    assert.ok(dashboardExprs.length >= 20, 'the dashboard has queries');
    const unknown = allExprs.flatMap((e) =>
      selectors(e.expr)
        .filter((s) => !metricOf(s.series))
        .map((s) => `${e.where}: ${s.series}`),
    );
    assert.deepEqual(unknown, []);
    for (const t of dashboard.templating.list) {
      for (const s of selectors(t.definition ?? ''))
        assert.ok(metricOf(s.series), `variable ${t.name}: ${s.series}`);
    }
  });

  test('match only labels those metrics have, with values they take', () => {
    const problems: string[] = [];
    for (const e of allExprs) {
      for (const s of selectors(e.expr)) {
        const m = metricOf(s.series);
        if (!m) continue;
        for (const { label, op, value } of s.matchers) {
          if (!m.labels.includes(label) && !TARGET_LABELS.has(label))
            problems.push(`${e.where}: ${s.series} has no label ${label}`);
          const allowed = m.labelValues?.[label];
          if (!allowed || value.startsWith('$')) continue;
          const values = op === '=~' || op === '!~' ? value.split('|') : [value];
          for (const v of values)
            if (!/[.*+?()[\]\\]/.test(v) && !allowed.includes(v))
              problems.push(
                `${e.where}: ${s.series}{${label}${op}"${value}"}: "${v}" is not one of ${allowed.join(', ')}`,
              );
        }
      }
      // Aggregation labels must exist on the aggregated metrics.
      for (const by of e.expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
        const labels = by[1]!
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean);
        const metrics = selectors(e.expr)
          .map((s) => metricOf(s.series))
          .filter((m): m is MetricSpec => !!m);
        for (const l of labels) {
          if (TARGET_LABELS.has(l)) continue;
          if (!metrics.some((m) => m.labels.includes(l)))
            problems.push(`${e.where}: "by (${l})" but no metric in the query has ${l}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test('the dashboard covers tool calls, denials, credentials, policy, lag, audit ingest and HTTP RED', () => {
    const used = new Set(
      dashboardExprs.flatMap((e) => selectors(e.expr).map((s) => metricOf(s.series)?.name)),
    );
    for (const name of [
      'portcullis_tool_calls_total',
      'portcullis_tool_call_duration_seconds',
      'portcullis_tool_call_denials_total',
      'portcullis_token_cache_requests_total',
      'portcullis_token_refreshes_total',
      'portcullis_policy_snapshot_version',
      'portcullis_consumer_lag_seconds',
      'portcullis_audit_records_ingested_total',
      'portcullis_http_requests_total',
      'portcullis_http_request_duration_seconds',
    ]) {
      assert.ok(used.has(name), `no panel shows ${name}`);
    }
  });

  // The first run on a machine builds the tools (minutes); later runs find them cached.
  test('every PromQL expression parses (Prometheus parser, offline)', { timeout: 25 * 60_000 }, () => {
    const lint = (exprs: Expr[]) =>
      spawnSync(promqlLint(), [], { input: JSON.stringify(exprs), encoding: 'utf8', timeout: 60_000 });
    const broken = lint([{ where: 'broken', expr: 'sum(rate(portcullis_tool_calls_total[5m])' }]);
    assert.equal(broken.status, 1, 'the parser rejects a broken expression');
    assert.match(broken.stdout, /^broken: /m);
    const result = lint(allExprs);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });
});

describe('alert rules', () => {
  test('cover gateway errors, audit lag, token refresh failures, policy staleness and services down', () => {
    const names = alerts.map((a) => a.alert);
    for (const required of [
      'PortcullisGatewayHighErrorRate',
      'PortcullisAuditLag',
      'PortcullisTokenRefreshFailures',
      'PortcullisNoPolicySnapshot',
      'PortcullisPolicyStale',
      'PortcullisServiceDown',
    ]) {
      assert.ok(names.includes(required), required);
    }
    assert.equal(new Set(names).size, names.length, 'alert names are unique');
  });

  test('every alert has a severity, a summary and a runbook that exists and explains it', () => {
    for (const a of alerts) {
      assert.ok(a.alert, 'only alerting rules here');
      assert.ok(
        ['critical', 'warning', 'info'].includes(a.labels?.['severity'] ?? ''),
        `${a.alert} severity`,
      );
      assert.ok(a.annotations?.['summary'], `${a.alert} summary`);
      if (a.for) assert.match(a.for, /^\d+[smh]$/, `${a.alert} for`);
      const url = a.annotations?.['runbook_url'] ?? '';
      const m = /\/deploy\/runbooks\/([a-z0-9-]+\.md)$/.exec(url);
      assert.ok(m, `${a.alert} runbook_url points at deploy/runbooks/*.md: ${url}`);
      const file = path.join(root, 'deploy', 'runbooks', m[1]!);
      assert.ok(existsSync(file), `${a.alert}: ${file} does not exist`);
      assert.ok(readFileSync(file, 'utf8').includes(a.alert!), `${m[1]} does not mention ${a.alert}`);
    }
  });
});

function promqlLint(): string {
  const out = spawnSync('bash', [path.join(root, 'scripts', 'chart-test.sh'), 'tools'], {
    encoding: 'utf8',
    timeout: 25 * 60_000,
  });
  const m = /^PROMQL_LINT_BIN=(.+)$/m.exec(out.stdout);
  assert.ok(m, `chart-test.sh tools did not build promql-lint:\n${out.stderr}`);
  return m[1]!.trim();
}
