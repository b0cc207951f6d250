/**
 * The 90-day bar: one column per UTC day, stacked in proportion to the day's time: DOWN (red, from the
 * bottom, at least 3 px when there was any), UNKNOWN, MAINTENANCE, no data, and UP, the UP part green
 * when the day meets the threshold and amber when it does not. The picture is one image with a text
 * summary; every day's summary is in a list below it for keyboard and screen-reader users (put in the
 * page when opened).
 */
import { useState } from 'preact/hooks';
import { html } from './html.ts';
import { pct } from './format.ts';

export interface DayBar {
  day: string;
  upSeconds: number;
  downSeconds: number;
  unknownSeconds: number;
  maintenanceSeconds: number;
  noDataSeconds: number;
  ratio: number | null;
  meetsThreshold: boolean | null;
  summary: string;
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

function column(d: DayBar, x: number, w: number) {
  const total = d.upSeconds + d.downSeconds + d.unknownSeconds + d.maintenanceSeconds + d.noDataSeconds || 1;
  const parts: Array<[number, string]> = [
    [d.downSeconds, 'var(--down)'],
    [d.unknownSeconds, 'var(--unknown)'],
    [d.maintenanceSeconds, 'var(--maint)'],
    [d.noDataSeconds, 'var(--nodata)'],
    [d.upSeconds, d.meetsThreshold === false ? 'var(--up-below)' : 'var(--up)'],
  ];
  let y = H;
  const rects = [];
  for (const [s, colour] of parts) {
    if (s <= 0) continue;
    const h = Math.max(s === d.downSeconds && colour === 'var(--down)' ? 3 : 0.5, (s / total) * H);
    y -= h;
    rects.push(html`<rect x=${x} y=${Math.max(0, y)} width=${w} height=${h} fill=${colour} />`);
  }
  return html`<g><title>${d.summary}</title>${rects}</g>`;
}

/** The days in words, put in the page once opened (a page of many bars holds 90 items per bar otherwise). */
function DailySummary({ days, label }: { days: DayBar[]; label: string }) {
  const [open, setOpen] = useState(false);
  return html`<details onToggle=${(e: Event) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>Daily summary<span class="sr-only"> for ${label}</span></summary>
      ${open ? html`<ol>${days.map((d) => html`<li>${d.summary}</li>`)}</ol>` : null}
    </details>`;
}

export function Bars({ days, label, id }: { days: DayBar[]; label: string; id: string }) {
  const n = days.length || 1;
  const w = 100 / n;
  const observed = days.reduce((a, d) => a + d.upSeconds + d.downSeconds, 0);
  const up = days.reduce((a, d) => a + d.upSeconds, 0);
  const below = days.filter((d) => d.meetsThreshold === false).length;
  const summary = `${label}: ${days.length} days, ${pct(observed ? up / observed : null)} up, ${below} day${below === 1 ? '' : 's'} below the threshold`;
  return html`<div class="bar" data-bar=${id}>
    <svg class="bars" viewBox=${`0 0 100 ${H}`} preserveAspectRatio="none" role="img" aria-label=${summary}>
      ${days.map((d, i) => column(d, i * w + w * 0.1, w * 0.8))}
    </svg>
    <${DailySummary} days=${days} label=${label} />
  </div>`;
}
