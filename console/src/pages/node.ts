/**
 * One node: state (live), the interval timeline of the last 7 days with causes and evidence, current
 * checks, charts from the per-minute rollups (disk, load, memory, the agent's RSS and CPU; uPlot, loaded
 * with this page only), credential expiry, agent version, clock skew, the 90-day bar.
 */
import { useEffect, useRef } from 'preact/hooks';
import type * as Wire from '../../../shared/src/wire/console.ts';
import { api } from '../lib/api.ts';
import { Bars, type DayBar, Legend } from '../lib/bars.ts';
import { ago, duration, pct, when } from '../lib/format.ts';
import { html } from '../lib/html.ts';
import { liveStates } from '../lib/live.ts';
import { track } from '../lib/ready.ts';
import { Card, Failed, Loading, State, useLoad } from '../lib/ui.ts';

export const title = 'Node';

type Overview = Wire.NodeOverview;
type Interval = Wire.StateIntervalView;
interface Uptime {
  ratio: number | null;
  thresholdPct: number;
  intervals?: Interval[];
  budget: { leftSeconds: number };
}
type Series = Wire.NodeSeries;

const COLOURS: Record<string, string> = { UP: 'var(--up)', DOWN: 'var(--down)', UNKNOWN: 'var(--unknown)', MAINTENANCE: 'var(--maint)' };

function Timeline({ intervals, from, to }: { intervals: Interval[]; from: number; to: number }) {
  const span = to - from || 1;
  const shown = intervals.filter((i) => i.state !== 'UP' || intervals.length < 40);
  return html`<div class="timeline" role="img" aria-label=${`State over the last 7 days: ${intervals.filter((i) => i.state !== 'UP').length} intervals not UP; listed below`}>
      ${intervals.map((i) => {
        const w = ((Math.min(to, Date.parse(i.end)) - Math.max(from, Date.parse(i.start))) / span) * 100;
        return html`<span style=${`width:${Math.max(w, i.state === 'UP' ? 0 : 0.3)}%;background:${COLOURS[i.state] ?? 'var(--nodata)'}`} title=${`${i.state} ${when(i.start)} – ${when(i.end)} (${i.cause})`}></span>`;
      })}
    </div>
    <div class="table-wrap" tabindex="0" role="region" aria-label="Table (scrolls sideways on a narrow screen)"><table data-table="intervals">
      <caption class="sr-only">Intervals, newest first</caption>
      <thead><tr><th scope="col">State</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Length</th><th scope="col">Cause</th><th scope="col">Evidence</th></tr></thead>
      <tbody>${[...shown]
        .reverse()
        .slice(0, 30)
        .map(
          (
            i,
          ) => html`<tr><td><${State} state=${i.state} /></td><td>${when(i.start)}</td><td>${when(i.end)}</td><td>${duration((Date.parse(i.end) - Date.parse(i.start)) / 1000)}</td><td>${i.cause}</td>
          <td><details><summary>evidence</summary><pre>${JSON.stringify(i.evidence, null, 1)}</pre></details></td></tr>`,
        )}</tbody>
    </table></div>`;
}

/**
 * A theme colour as a canvas takes it: the custom property holds `light-dark(…)` (style.css), which canvas
 * cannot parse; the computed `color` of an element using it is the colour of the theme in force.
 */
function themeColour(parent: Element, name: string): string {
  const probe = document.createElement('span');
  probe.style.color = `var(${name})`;
  parent.appendChild(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour;
}

/** uPlot, loaded once: asked for as the page opens, so that it arrives alongside the page's data, not after it. */
const importUplot = () => import('uplot');
let uplot: ReturnType<typeof importUplot> | undefined;
const loadUplot = () => (uplot ??= importUplot());

/** The charts' colours, resolved once per page (each probe makes the browser recompute style). */
let colours: { line: string; axis: string } | undefined;
const chartColours = (el: Element) => (colours ??= { line: themeColour(el, '--link'), axis: themeColour(el, '--muted') });

function Chart({
  series,
  field,
  label,
  unit,
}: {
  series: Series;
  field: 'diskPctMax' | 'load1Avg' | 'memPctAvg' | 'agentRssKib' | 'agentCpuPct';
  label: string;
  unit: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let chart: { destroy(): void } | undefined;
    let gone = false;
    // The page is drawn (lib/ready.ts) only once the chart is.
    void track(
      loadUplot().then(({ default: UPlot }) => {
        if (gone || !ref.current) return;
        const width = Math.max(280, ref.current.clientWidth);
        const el = ref.current;
        const c = chartColours(el);
        chart = new UPlot(
          {
            width,
            height: 160,
            series: [
              {},
              {
                label,
                stroke: c.line,
                width: 1.5,
                value: (_u, v) => (v === null ? '—' : `${v.toFixed(1)} ${unit}`),
              },
            ],
            axes: [{ stroke: c.axis }, { stroke: c.axis, size: 50 }],
            legend: { show: true },
          },
          [series.t.map((t) => t / 1000), series[field] as number[]],
          ref.current,
        );
      }),
    );
    return () => {
      gone = true;
      chart?.destroy();
    };
  }, [series, field]);
  const vals = series[field].filter((v): v is number => v !== null);
  const last = vals.at(-1);
  const max = vals.length ? Math.max(...vals) : undefined;
  return html`<figure class="chart" data-chart=${field}>
    <figcaption><strong>${label}</strong> <span class="muted">last ${last === undefined ? '—' : `${last.toFixed(1)} ${unit}`}, max ${max === undefined ? '—' : `${max.toFixed(1)} ${unit}`} (24 h)</span></figcaption>
    <div ref=${ref} aria-hidden="true"></div>
  </figure>`;
}

export default function NodePage({ params }: { params: { node: string } }) {
  const n = encodeURIComponent(params.node);
  useEffect(() => {
    colours = undefined; // the theme may have changed since the last node page
    void loadUplot();
  }, []);
  const ov = useLoad(async () => ({ o: await api<Overview>(`/v1/nodes/${n}/overview`), at: Date.now() }), `ov-${n}`);
  const up = useLoad(() => api<Uptime>(`/v1/nodes/${n}/uptime?window=7d&intervals=true`), `up-${n}`);
  const bars = useLoad(() => api<{ days: DayBar[]; thresholdPct: number }>(`/v1/nodes/${n}/uptime/days?days=90`), `bars-${n}`);
  const series = useLoad(() => api<Series>(`/v1/nodes/${n}/series`), `series-${n}`);
  if (ov.error) return html`<h1 tabindex="-1">Node ${params.node}</h1><${Failed} error=${ov.error} />`;
  const o = ov.data?.o;
  const ev = liveStates.value[params.node];
  const state = ev && ov.data && Date.parse(ev.at) >= ov.data.at - 60_000 ? ev.to : (o?.state ?? null);
  const now = Date.now();
  return html`<h1 tabindex="-1">Node ${params.node} ${o ? html`<${State} state=${state} />` : null}</h1>
    ${!o ? html`<${Loading} what="the node" />` : null}
    ${
      o
        ? html`<p class="muted">${o.operator ? html`operator <a href=${`/operator/${encodeURIComponent(o.operator)}`}>${o.operator}</a> (${o.tier})` : 'no operator'} · region ${o.region ?? 'none'}
        ${o.decommissionedAt ? html` · <strong>decommissioned ${when(o.decommissionedAt)}</strong>` : null}</p>
      <div aria-live="polite" data-live-state>${ev ? `Live: ${ev.to} since ${when(ev.at)}${ev.cause ? ` (${ev.cause})` : ''}` : ''}</div>
      ${o.maintenance ? html`<p class="notice">In maintenance until ${when(o.maintenance.end)}: ${o.maintenance.reason}</p>` : null}
      <div class="cards">
        <${Card} id="since" label="State since" value=${ago(ev?.at ?? o.stateSince, now)} />
        <${Card} id="heartbeat" label="Last heartbeat" value=${ago(o.lastHeartbeatAt, now)} />
        <${Card} id="agent" label="Agent version" value=${o.agentVersion ?? '—'} />
        <${Card} id="skew" label="Clock skew" value=${o.clockSkewMs === null ? '—' : `${(o.clockSkewMs / 1000).toFixed(1)} s`} note=${o.clockSkewMs !== null && Math.abs(o.clockSkewMs) > 60_000 ? html`<span class="bad">over 60 s</span>` : 'agent minus collector'} />
        <${Card} id="credential" label="Credential expires" value=${o.credential ? `${Math.floor(o.credential.expiresInDays)} days` : 'none'} note=${o.credential ? when(o.credential.expiresAt) : 'no credential in force'} />
        ${up.data ? html`<${Card} id="ratio" label=${`Uptime 7 days (threshold ${up.data.thresholdPct} %)`} value=${pct(up.data.ratio)} />` : null}
      </div>
      <h2>Checks</h2>
      ${
        o.checks.length
          ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Table (scrolls sideways on a narrow screen)"><table data-table="checks"><caption class="sr-only">Current checks</caption>
        <thead><tr><th scope="col">Check</th><th scope="col">Status</th><th scope="col">Message</th><th scope="col">Since</th></tr></thead>
        <tbody>${o.checks.map((c) => html`<tr><td>${c.name}${c.slaCritical ? html` <span class="muted">(SLA-critical)</span>` : null}</td><td class=${c.status === 'ok' ? 'ok' : c.status === 'critical' ? 'bad' : ''}>${c.status}</td><td>${c.message}</td><td>${when(c.since)}</td></tr>`)}</tbody></table></div>`
          : html`<p>No check reported.</p>`
      }`
        : null
    }
    <h2>Timeline, last 7 days</h2>
    <${Failed} error=${up.error} />
    ${up.data?.intervals ? html`<${Timeline} intervals=${up.data.intervals} from=${now - 7 * 86_400_000} to=${now} />` : null}
    <h2>90 days</h2>
    <${Failed} error=${bars.error} />
    ${bars.data ? html`<${Legend} /><${Bars} days=${bars.data.days} label=${`Node ${params.node}`} id="node" />` : null}
    <h2>Resources, last 24 hours</h2>
    <${Failed} error=${series.error} />
    ${
      series.data
        ? series.data.t.length
          ? html`<div class="grid2">
        <${Chart} series=${series.data} field="diskPctMax" label="Disk (fullest, %)" unit="%" />
        <${Chart} series=${series.data} field="load1Avg" label="Load (1 min)" unit="" />
        <${Chart} series=${series.data} field="memPctAvg" label="Memory (%)" unit="%" />
        <${Chart} series=${series.data} field="agentRssKib" label="Agent RSS (KiB)" unit="KiB" />
        <${Chart} series=${series.data} field="agentCpuPct" label="Agent CPU (% of a core)" unit="%" />
      </div>`
          : html`<p>No rollups yet.</p>`
        : null
    }`;
}
