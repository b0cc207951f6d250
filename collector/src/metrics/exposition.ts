/**
 * Gauge families written straight to the Prometheus text format (version 0.0.4), for the per-node and
 * per-check series: prom-client hashes every label set into a map and re-reads it at scrape time, which
 * costs hundreds of milliseconds at 50,000 series. The output matches prom-client's: `# HELP` (backslash
 * and newline escaped) and `# TYPE` once per family, label values with backslash, double quote and
 * newline escaped, values as prom-client writes them (`Nan`, `+Inf`, `-Inf`, else the JS number).
 */

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface GaugeFamily<L extends string = string> {
  readonly name: string;
  readonly labelNames: readonly L[];
  /** The `# HELP` and `# TYPE` lines. */
  readonly header: string;
  /** `name{label="` … `",label2="` … : what precedes each label value. */
  readonly prefixes: readonly string[];
}

export const escapeHelp = (s: string): string => (/[\\\n]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : s);

export const escapeLabelValue = (s: string): string =>
  /[\\\n"]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : s;

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (!Number.isFinite(v)) return v < 0 ? '-Inf' : '+Inf';
  return String(v);
}

export function gaugeFamily<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): GaugeFamily<L> {
  if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name: ${name}`);
  for (const l of labelNames) if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new Error(`invalid label name on ${name}: ${l}`);
  if (new Set(labelNames).size !== labelNames.length) throw new Error(`duplicate label name on ${name}`);
  return {
    name,
    labelNames,
    header: `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} gauge`,
    prefixes: labelNames.map((l, i) => `${i === 0 ? `${name}{` : '",'}${l}="`),
  };
}

/**
 * One scrape's text for a fixed list of families, in that order. Samples may be set in any order; each
 * family's HELP/TYPE comes once, also when it has no samples (as prom-client does). Callers set each
 * label set once (the rows they come from are unique by those labels).
 */
export class Exposition {
  readonly #lines: Map<GaugeFamily<string>, string[]>;

  constructor(families: readonly GaugeFamily<string>[]) {
    this.#lines = new Map(families.map((f) => [f, [f.header]]));
    if (this.#lines.size !== new Set(families.map((f) => f.name)).size) throw new Error('one family per metric name');
  }

  set<L extends string>(family: GaugeFamily<L>, labels: Readonly<Record<L, string>>, value: number): void {
    const lines = this.#lines.get(family);
    if (!lines) throw new Error(`${family.name} is not in this exposition`);
    const names = family.labelNames;
    let line = names.length === 0 ? family.name : '';
    for (let i = 0; i < names.length; i++) line += family.prefixes[i]! + escapeLabelValue(labels[names[i]!]);
    lines.push(`${line}${names.length ? '"} ' : ' '}${formatValue(value)}`);
  }

  /** Families separated by a blank line, ending in a newline (prom-client's layout). */
  text(): string {
    return [...this.#lines.values()].map((l) => l.join('\n')).join('\n\n') + '\n';
  }
}
