/**
 * The 90-day bar: one column per UTC day, stacked in proportion to the day's time: DOWN (red, from the
 * bottom, at least 3 px when there was any), UNKNOWN, MAINTENANCE, no data, and UP, the UP part green
 * when the day meets the threshold and amber when it does not. The picture is one image with a text
 * summary (the day under the pointer in its tooltip); every day's summary is in a list below it for
 * keyboard and screen-reader users (put in the page when opened).
 */
import { useMemo, useState } from 'preact/hooks';
import { html } from './html.ts';
import { type DayFigures, daySummary } from '../../../shared/src/day-text.ts';
import { pct } from './format.ts';

export interface DayBar extends DayFigures {
  /** The day in words; absent from an operator's all-nodes answer, then written here (daySummary). */
  summary?: string;
}

export const LEGEND = [
  ['var(--up)', 'up, day meets the threshold'],
  ['var(--up-below)', 'up, day below the threshold'],
  ['var(--down)', 'down'],
  ['var(--unknown)', 'unknown (not observed)'],
  ['var(--maint)', 'maintenance'],
  ['var(--nodata)', 'no data'],
] as const;

export function Legend() {
  return html`<ul class="legend" aria-label="Bar colours">
    ${LEGEND.map(([c, label]) => html`<li><span class="swatch" style=${`background:${c}`}></span>${label}</li>`)}
  </ul>`;
}

const H = 34;
/** The colours of a bar, bottom to top; one path each for all the days. */
const COLOURS = ['var(--down)', 'var(--unknown)', 'var(--maint)', 'var(--nodata)', 'var(--up)', 'var(--up-below)'] as const;
const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** For bars of `n` days: each day's column left edge and the column width as path text, and the rectangle of a day of one colour. */
interface Columns {
  x: string[];
  cw: number;
  whole: string[];
}
const columnsByDays = new Map<number, Columns>();
function columns(n: number): Columns {
  let c = columnsByDays.get(n);
  if (!c) {
    const w = 100 / n;
    const cw = r3(w * 0.8);
    const x = Array.from({ length: n }, (_, i) => String(r3(i * w + w * 0.1)));
    c = { x, cw, whole: x.map((xi) => `M${xi} 0h${cw}v${H}h${-cw}z`) };
    columnsByDays.set(n, c);
  }
  return c;
}

/**
 * The bar as one path per colour (a rectangle per day in each): a page of 50 bars draws 300 paths, not
 * 15,000 rectangles. The day under the pointer is named in the picture's tooltip. A day of one colour
 * (most days) takes its rectangle ready-made: writing every coordinate of 50 bars × 90 days was 52 ms of
 * the operator page's script per load.
 */
export function paths(days: DayBar[]): string[] {
  const d: string[] = COLOURS.map(() => '');
  const { x, cw, whole } = columns(days.length || 1);
  // A day's seconds per part, bottom to top (down, unknown, maintenance, no data, up), and each part's
  // colour; reused from day to day (this runs before the page's code is optimised: no allocation per day).
  const sec = [0, 0, 0, 0, 0];
  const colour = [0, 1, 2, 3, 4];
  for (let i = 0; i < days.length; i++) {
    const day = days[i]!;
    sec[0] = day.downSeconds;
    sec[1] = day.unknownSeconds;
    sec[2] = day.maintenanceSeconds;
    sec[3] = day.noDataSeconds;
    sec[4] = day.upSeconds;
    colour[4] = day.meetsThreshold === false ? 5 : 4;
    const total = sec[0] + sec[1] + sec[2] + sec[3] + sec[4] || 1;
    let parts = 0;
    let last = 0;
    for (let k = 0; k < 5; k++)
      if (sec[k]! > 0) {
        parts++;
        last = k;
      }
    if (parts === 1 && sec[last] === total) {
      d[colour[last]!] += whole[i]!;
      continue;
    }
    let y = H;
    for (let k = 0; k < 5; k++) {
      if (!(sec[k]! > 0)) continue;
      const h = Math.max(k === 0 ? 3 : 0.5, (sec[k]! / total) * H);
      y -= h;
      d[colour[k]!] += `M${x[i]} ${r3(Math.max(0, y))}h${cw}v${r3(h)}h${-cw}z`;
    }
  }
  return d;
}

/** The days in words, put in the page once opened (a page of many bars holds 90 items per bar otherwise). */
function DailySummary({ days, label, words }: { days: DayBar[]; label: string; words: (d: DayBar) => string }) {
  const [open, setOpen] = useState(false);
  return html`<details onToggle=${(e: Event) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>Daily summary<span class="sr-only"> for ${label}</span></summary>
      ${open ? html`<ol>${days.map((d) => html`<li>${words(d)}</li>`)}</ol>` : null}
    </details>`;
}

/** `thresholdPct` and `nodes`: the bars' own (DailyUptime), for the days served without their sentence. */
export function Bars({
  days,
  label,
  id,
  thresholdPct,
  nodes = 1,
}: {
  days: DayBar[];
  label: string;
  id: string;
  thresholdPct?: number;
  nodes?: number;
}) {
  const words = (d: DayBar) => d.summary ?? daySummary(d, thresholdPct ?? 100, nodes);
  const n = days.length || 1;
  const [hover, setHover] = useState<number | undefined>();
  const d = useMemo(() => paths(days), [days]);
  const onMove = (e: MouseEvent) => {
    const r = (e.currentTarget as SVGElement).getBoundingClientRect();
    const i = Math.floor(((e.clientX - r.left) / (r.width || 1)) * n);
    setHover(i >= 0 && i < days.length ? i : undefined);
  };
  const observed = days.reduce((a, d) => a + d.upSeconds + d.downSeconds, 0);
  const up = days.reduce((a, d) => a + d.upSeconds, 0);
  const below = days.filter((d) => d.meetsThreshold === false).length;
  const summary = `${label}: ${days.length} days, ${pct(observed ? up / observed : null)} up, ${below} day${below === 1 ? '' : 's'} below the threshold`;
  return html`<div class="bar" data-bar=${id}>
    <svg class="bars" viewBox=${`0 0 100 ${H}`} preserveAspectRatio="none" role="img" aria-label=${summary} onMouseMove=${onMove} onMouseLeave=${() => setHover(undefined)}>
      <title>${hover === undefined ? summary : words(days[hover]!)}</title>
      ${COLOURS.map((c, k) => (d[k] ? html`<path d=${d[k]} fill=${c} />` : null))}
    </svg>
    <${DailySummary} days=${days} label=${label} words=${words} />
  </div>`;
}
