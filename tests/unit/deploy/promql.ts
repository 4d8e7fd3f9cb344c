import { parser } from '@prometheus-io/lezer-promql';

// PromQL read with Prometheus' own grammar (the one its web UI uses), so a
// typo in an alert or a panel is a syntax error here and not on the night it
// should have fired.

export interface Selector {
  /** The metric name of a vector selector (`foo` in `foo{a="b"}[5m]`). */
  readonly metric: string;
  /** The label names its matchers test. */
  readonly labels: readonly string[];
}

/** Grafana's template variables, replaced by values of the same kind before parsing. */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replace(/\$\{__(rate_interval|interval|range)\}/g, '5m')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, '.*');
}

/**
 * Every vector selector of an expression. Throws on a syntax error, and on a
 * selector without a metric name (`{__name__=~"..."}` would hide which metric
 * it reads from these checks).
 */
export function selectorsOf(expr: string): Selector[] {
  const tree = parser.parse(expr);
  const out: Selector[] = [];
  let error: number | undefined;
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        error ??= node.from;
        return false;
      }
      if (node.name !== 'VectorSelector') return undefined;
      const name = node.node.getChild('Identifier');
      if (!name) throw new Error(`selector without a metric name: ${expr.slice(node.from, node.to)}`);
      const labels: string[] = [];
      const matchers = node.node.getChild('LabelMatchers');
      if (matchers) {
        matchers.cursor().iterate((m) => {
          if (m.name === 'LabelName') labels.push(expr.slice(m.from, m.to));
        });
      }
      out.push({ metric: expr.slice(name.from, name.to), labels });
      return false;
    },
  });
  if (error !== undefined) throw new Error(`PromQL syntax error at ${error}: ${expr.slice(Math.max(0, error - 30), error + 30)}`);
  return out;
}

/** The series names an expression reads. */
export function metricsOf(expr: string): string[] {
  return [...new Set(selectorsOf(expr).map((s) => s.metric))];
}

/** The comparison thresholds of an expression (`> 3600` gives 3600), in order. */
export function thresholdsOf(expr: string): number[] {
  return [...expr.matchAll(/(?:>|>=)\s*(?:bool\s+)?([0-9]+(?:\.[0-9]+)?(?:e[0-9]+)?)/g)].map((m) => Number(m[1]));
}
