import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { BUCKETS, createMetrics, isExportedSeries, METRIC_NAMES, METRIC_TYPES, seriesNames } from '../../../src/observability/metrics.ts';
import { parseRuleSet } from '../../../src/rules/config.ts';
import { onlyManifest, readRepoFile, ROOT } from './manifests.ts';
import { metricsOf, selectorsOf, substituteGrafanaVariables, thresholdsOf } from './promql.ts';

// The alert rules and the dashboard are written against carestream's metric
// names (src/observability/metrics.ts). A renamed metric or a misspelt label
// would leave an alert that never fires and a panel that stays empty, with no
// error anywhere: these checks parse every expression with Prometheus' grammar
// and look each series and label up. The compose file's Prometheus and
// Grafana must load exactly these files.

// ---- What carestream exports ----------------------------------------------------

/** Label names per series name, read from the metrics carestream registers. */
const labelsBySeries = new Map<string, readonly string[]>();
for (const metric of createMetrics({ defaultMetrics: false }).registry.getMetricsAsArray()) {
  // prom-client keeps a metric's label names on the instance; its type does not say so.
  const labels = (metric as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
  for (const series of seriesNames(metric.name as (typeof METRIC_NAMES)[number])) {
    labelsBySeries.set(series, series.endsWith('_bucket') ? [...labels, 'le'] : labels);
  }
}
/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['instance', 'job', 'namespace', 'pod'];

/** Why a selector reads nothing carestream exports, or undefined when it does. */
function problemWith(selector: { metric: string; labels: readonly string[] }): string | undefined {
  if (!isExportedSeries(selector.metric)) return `${selector.metric} is not a metric carestream exports`;
  const known = labelsBySeries.get(selector.metric);
  if (!known) return undefined; // a default process/nodejs metric: no labels of its own
  const unknown = selector.labels.filter((l) => !known.includes(l) && !TARGET_LABELS.includes(l));
  return unknown.length > 0 ? `${selector.metric} has no label ${unknown.join(', ')}` : undefined;
}

function problemsIn(expr: string): string[] {
  return selectorsOf(expr).flatMap((s) => problemWith(s) ?? []);
}

// ---- The alert rules --------------------------------------------------------------

interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const alertFile = parse(readRepoFile('deploy/prometheus/alerts.yml')) as { groups: { name: string; rules: AlertRule[] }[] };
const alerts = alertFile.groups.flatMap((g) => g.rules);
const alertNamed = (name: string): AlertRule => {
  const rule = alerts.find((r) => r.alert === name);
  if (!rule) throw new Error(`no alert ${name}`);
  return rule;
};

/** PromQL inside annotation templates: {{ with query "..." }}. */
function templateQueries(text: string): string[] {
  return [...text.matchAll(/query\s+"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\"/g, '"'));
}

// ---- The dashboard ---------------------------------------------------------------

interface Target {
  refId: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query?: string }; definition?: string; datasource?: { uid?: string } }[] };
}
const DASHBOARD_FILE = 'deploy/grafana/dashboards/carestream.json';
const dashboard = JSON.parse(readRepoFile(DASHBOARD_FILE)) as Dashboard;
const allPanels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const dataPanels = allPanels.filter((p) => p.type !== 'row');
const dashboardExprs = dataPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: substituteGrafanaVariables(t.expr ?? '') })));

// ---- docker-compose.yml -----------------------------------------------------------

interface ComposeService {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
}
const services = (parse(readRepoFile('docker-compose.yml')) as { services: Record<string, ComposeService> }).services;

/** Bind mounts of a service: host path (relative to the repository) -> path in the container. */
function bindMounts(service: ComposeService | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of service?.volumes ?? []) {
    const [host, target] = v.split(':');
    if (host?.startsWith('./') && target) out.set(host.slice(2).replace(/\/$/, ''), target.replace(/\/$/, ''));
  }
  return out;
}

/** Where a repository file appears inside a service's container, through a file or a folder mount. */
function containerPathOf(service: ComposeService | undefined, repoPath: string): string | undefined {
  for (const [host, target] of bindMounts(service)) {
    if (repoPath === host) return target;
    if (repoPath.startsWith(`${host}/`)) return target + repoPath.slice(host.length);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------

describe('the checker itself', () => {
  it('finds the metrics and labels of an expression', () => {
    expect(metricsOf('sum by (topic) (rate(a_total{topic="x"}[5m])) / on() b unless absent(c)')).toEqual(['a_total', 'b', 'c']);
    expect(selectorsOf('x{kind="fraud_check", instance=~".*"}')).toEqual([{ metric: 'x', labels: ['kind', 'instance'] }]);
  });

  it('refuses syntax errors and selectors without a metric name', () => {
    expect(() => selectorsOf('sum(rate(a[5m])')).toThrow(/syntax/);
    expect(() => selectorsOf('rate(a[5m]) >')).toThrow(/syntax/);
    expect(() => selectorsOf('{__name__=~"carestream_.*"}')).toThrow(/metric name/);
  });

  it('reports unknown metrics and labels', () => {
    expect(problemsIn('carestream_ready')).toEqual([]);
    expect(problemsIn('carestream_consumer_lag_total')).toEqual(['carestream_consumer_lag_total is not a metric carestream exports']);
    expect(problemsIn('carestream_event_to_commit_seconds_bucket{kind="fraud_check", le="1"}')).toEqual([]);
    expect(problemsIn('carestream_event_to_commit_seconds_count{le="1"}')).toEqual(['carestream_event_to_commit_seconds_count has no label le']);
    expect(problemsIn('carestream_tasks_total{rules="x"}')).toEqual(['carestream_tasks_total has no label rules']);
    expect(problemsIn('carestream_process_resident_memory_bytes{instance="a"}')).toEqual([]);
  });

  it('knows the labels carestream registers', () => {
    expect(labelsBySeries.get('carestream_consumer_lag')).toEqual(['topic', 'partition']);
    expect(labelsBySeries.get('carestream_event_to_commit_seconds_bucket')).toEqual(['kind', 'le']);
  });

  it('reads Grafana variables and template queries', () => {
    expect(substituteGrafanaVariables('rate(a{instance=~"$instance"}[$__rate_interval])')).toBe('rate(a{instance=~".*"}[5m])');
    expect(templateQueries('x {{ with query "min(a{b=\\"c\\"})" }}{{ . }}{{ end }}')).toEqual(['min(a{b="c"})']);
    expect(thresholdsOf('a > 0 and b > 3600 unless c >= 2.5')).toEqual([0, 3600, 2.5]);
  });
});

describe('deploy/prometheus/alerts.yml', () => {
  it('holds alerts with unique names, a severity, a summary and a description', () => {
    expect(alerts.length).toBeGreaterThan(0);
    const names = alerts.map((r) => r.alert);
    expect(names.every((n) => typeof n === 'string' && /^[A-Z][A-Za-z0-9]+$/.test(n)), 'every rule is an alert').toBe(true);
    expect(new Set(names).size).toBe(names.length);
    for (const r of alerts) {
      expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.annotations?.description, r.alert).toBeTruthy();
      if (r.for !== undefined) expect(r.for, r.alert).toMatch(/^(\d+(ms|s|m|h|d|w|y))+$/);
    }
  });

  it.each(alerts.map((r) => [r.alert!, r] as const))('%s reads only metrics and labels carestream exports', (_name, rule) => {
    expect(metricsOf(rule.expr).some((m) => m.startsWith('carestream_')), 'reads no carestream metric').toBe(true);
    expect(problemsIn(rule.expr)).toEqual([]);
    for (const text of Object.values(rule.annotations ?? {})) {
      for (const q of templateQueries(text)) expect(problemsIn(q), q).toEqual([]);
    }
  });

  it('covers lag growing, dead letters, fraud checks near their due time and a running rebuild', () => {
    const reading = (series: string) => alerts.filter((r) => metricsOf(r.expr).includes(series)).map((r) => r.alert);
    // Lag that grows: a derivative of the lag, not only its level.
    expect(alerts.some((r) => metricsOf(r.expr).includes('carestream_consumer_lag') && /\bderiv\(|\bdelta\(/.test(r.expr))).toBe(true);
    expect(reading('carestream_records_dead_lettered_total').length).toBeGreaterThan(0);
    expect(alerts.some((r) => selectorsOf(r.expr).some((s) => s.metric === 'carestream_event_to_commit_seconds_bucket') && r.expr.includes('kind="fraud_check"'))).toBe(true);
    expect(reading('carestream_rebuild_in_progress').length).toBeGreaterThan(0);
  });

  describe('fraud checks nearing their due time', () => {
    // The due window of fraud checks, from the rule file the Deployment mounts.
    const rules = parseRuleSet(JSON.parse(onlyManifest('ConfigMap').data!['rules.json']!)).rules;
    const dueSeconds = Math.min(rules['large-outflow'].dueHours, rules['outflow-velocity'].dueHours) * 3600;
    const slow = alertNamed('CarestreamFraudChecksSlow');
    const atRisk = alertNamed('CarestreamFraudCheckSlaAtRisk');

    it('fire while most of the due window is left', () => {
      for (const rule of [slow, atRisk]) {
        const threshold = Math.max(...thresholdsOf(rule.expr));
        expect(threshold, rule.alert).toBeGreaterThan(0);
        expect(threshold, rule.alert).toBeLessThanOrEqual(dueSeconds / 2);
      }
      expect(Math.max(...thresholdsOf(slow.expr))).toBeLessThan(Math.max(...thresholdsOf(atRisk.expr)));
    });

    it('use a latency threshold the histogram can show', () => {
      // histogram_quantile never returns more than the largest finite bucket,
      // and is exact only at bucket bounds.
      expect(BUCKETS.eventToCommit).toContain(Math.max(...thresholdsOf(slow.expr)));
    });

    it('also fire when nothing is consumed at all (no latency is observed then)', () => {
      expect(metricsOf(atRisk.expr)).toEqual(expect.arrayContaining(['carestream_consumer_lag', 'carestream_records_consumed_total']));
      expect(atRisk.expr).toContain(`topic="${TOPICS.transactions}"`);
    });

    it('say what the threshold means in the description', () => {
      for (const rule of [slow, atRisk]) expect(rule.annotations?.description).toMatch(/24 hours/);
    });
  });
});

describe('deploy/grafana/dashboards/carestream.json', () => {
  it('has a uid, a title and a Prometheus data-source variable every panel uses', () => {
    expect(dashboard.uid).toBe('carestream');
    expect(dashboard.title).toBeTruthy();
    const ds = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(ds?.query).toBe('prometheus');
    for (const p of dataPanels) {
      expect(p.datasource?.uid, p.title).toBe(`\${${ds!.name}}`);
      for (const t of p.targets ?? []) expect(t.datasource?.uid ?? p.datasource?.uid, p.title).toBe(`\${${ds!.name}}`);
    }
  });

  it('lays panels out on the 24-column grid with unique ids', () => {
    const ids = allPanels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of allPanels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.h, p.title).toBeGreaterThan(0);
    }
  });

  it('gives every panel at least one query', () => {
    for (const p of dataPanels) expect(p.targets?.length, p.title).toBeGreaterThan(0);
  });

  it.each(dashboardExprs.map((e, i) => [`${e.panel} #${i}`, e.expr] as const))('%s reads only metrics and labels carestream exports', (_name, expr) => {
    expect(problemsIn(expr)).toEqual([]);
  });

  it('takes its variables from carestream metrics', () => {
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
      const query = typeof v.query === 'string' ? v.query : v.query?.query ?? '';
      const m = /^label_values\((.+),\s*([A-Za-z_]+)\)$/.exec(query);
      expect(m, query).not.toBeNull();
      expect(problemsIn(m![1]!), query).toEqual([]);
    }
  });

  it('shows every metric carestream exports', () => {
    const shown = new Set(dashboardExprs.flatMap((e) => metricsOf(e.expr)));
    const missing = METRIC_NAMES.filter((name) => !seriesNames(name).some((s) => shown.has(s)));
    expect(missing).toEqual([]);
    expect(Object.keys(METRIC_TYPES).length).toBe(METRIC_NAMES.length);
  });
});

describe('docker-compose.yml: Prometheus and Grafana', () => {
  const prometheus = services.prometheus;
  const grafana = services.grafana;
  const carestreamPort = loadConfig({ HTTP_PORT: services.carestream?.environment?.HTTP_PORT }).httpPort;

  it('have pinned images and ports on 127.0.0.1 only', () => {
    for (const [name, s] of [['prometheus', prometheus], ['grafana', grafana]] as const) {
      expect(s, name).toBeDefined();
      expect(s!.image, name).toMatch(/:[v0-9][0-9.]*$/);
      for (const p of s!.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('mount only files that exist in the repository', () => {
    for (const s of [prometheus, grafana]) {
      for (const host of bindMounts(s).keys()) expect(existsSync(new URL(host, ROOT)), host).toBe(true);
    }
  });

  it('Prometheus scrapes carestream\'s /metrics and loads the alert rules', () => {
    const configPath = containerPathOf(prometheus, 'deploy/prometheus/prometheus.yml');
    expect(configPath).toBeDefined();
    const command = Array.isArray(prometheus!.command) ? prometheus!.command : [];
    expect(command).toContain(`--config.file=${configPath}`);
    const config = parse(readRepoFile('deploy/prometheus/prometheus.yml')) as {
      rule_files?: string[];
      scrape_configs: { job_name: string; metrics_path?: string; static_configs?: { targets: string[] }[] }[];
    };
    const job = config.scrape_configs.find((j) => j.job_name === 'carestream');
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job?.static_configs?.flatMap((c) => c.targets)).toEqual([`carestream:${carestreamPort}`]);
    expect(config.rule_files).toEqual([containerPathOf(prometheus, 'deploy/prometheus/alerts.yml')]);
  });

  it('Grafana has the compose Prometheus as data source and the dashboard provisioned', () => {
    const datasources = parse(readRepoFile('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { type: string; url: string; isDefault?: boolean }[];
    };
    const ds = datasources.datasources.find((d) => d.type === 'prometheus');
    const promPort = (prometheus!.ports ?? []).map((p) => p.split(':').at(-1)).at(0);
    expect(ds?.url).toBe(`http://prometheus:${promPort}`);
    expect(ds?.isDefault).toBe(true);
    expect(containerPathOf(grafana, 'deploy/grafana/provisioning/datasources/prometheus.yml')).toBe('/etc/grafana/provisioning/datasources/prometheus.yml');

    const providers = parse(readRepoFile('deploy/grafana/provisioning/dashboards/carestream.yml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(containerPathOf(grafana, 'deploy/grafana/provisioning/dashboards/carestream.yml')).toBe('/etc/grafana/provisioning/dashboards/carestream.yml');
    const dashboardPath = containerPathOf(grafana, DASHBOARD_FILE);
    expect(dashboardPath).toBeDefined();
    expect(providers.providers.some((p) => p.type === 'file' && dashboardPath!.startsWith(`${p.options.path.replace(/\/$/, '')}/`))).toBe(true);
    const home = grafana!.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    if (home) expect(home).toBe(dashboardPath);
  });
});
