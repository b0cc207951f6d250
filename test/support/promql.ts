/** Helpers for tests against Prometheus tooling: metric names in an exposition, metric names in PromQL. */
import { spawnSync } from 'node:child_process';

/** Whether a command is on PATH (tests skip with a reason when a real peer is truly absent). */
export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/** Metric family names in a text exposition, with the series names histograms and summaries add. */
export function exposedNames(exposition: string): Set<string> {
  const out = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    out.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) out.add(name + s);
  }
  return out;
}

const PROMQL_WORDS = new Set(
  `sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on ignoring group_left group_right
  and or unless bool offset rate irate increase delta idelta deriv histogram_quantile clamp clamp_min clamp_max abs ceil floor round
  time vector scalar sort sort_desc label_replace label_join absent absent_over_time avg_over_time min_over_time max_over_time
  sum_over_time count_over_time last_over_time changes resets predict_linear timestamp exp ln log2 log10 sqrt inf nan le`.split(/\s+/),
);

/** Metric names a PromQL expression reads (label matchers, grouping labels, strings and durations removed). */
export function promqlMetricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) if (!PROMQL_WORDS.has(m[0])) names.add(m[0]);
  return [...names];
}
