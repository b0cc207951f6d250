/**
 * The public status page (no sign-in): the fleet and each region with their 90-day bars, current
 * incidents and maintenance, and the days the monitoring itself was not observing, shown as ours. It
 * reads only GET /v1/status, which holds nothing private.
 */
import type * as Wire from '../../../shared/src/wire/console.ts';
import { api } from '../lib/api.ts';
import { Bars, Legend } from '../lib/bars.ts';
import { duration, pct, when } from '../lib/format.ts';
import { html } from '../lib/html.ts';
import { Failed, Loading, useLoad } from '../lib/ui.ts';

export const title = 'Status';

type Group = Wire.StatusGroup;
type StatusPage = Wire.StatusPage;

function overall(g: Group): string {
  if (g.states.DOWN) return `${g.states.DOWN} of ${g.nodeCount} nodes down`;
  if (g.states.UNKNOWN) return `${g.states.UNKNOWN} of ${g.nodeCount} nodes not observed`;
  return 'All systems operational';
}

export default function Status() {
  const s = useLoad(() => api<StatusPage>('/v1/status'), 'status');
  const d = s.data;
  return html`<h1 tabindex="-1">Fleet status</h1>
    ${s.loading && !d ? html`<${Loading} what="the status" />` : null}<${Failed} error=${s.error} />
    ${
      d
        ? html`<p class=${d.fleet.states.DOWN ? 'error' : 'notice'} data-overall>${overall(d.fleet)} <span class="muted">· updated ${when(d.generatedAt)}</span></p>
    <section aria-labelledby="st-fleet">
      <h2 id="st-fleet">Fleet: ${pct(d.fleet.ratio90d)} over 90 days <span class="muted">(target ${d.fleet.thresholdPct} %)</span></h2>
      <${Legend} />
      <${Bars} days=${d.fleet.days} label="Fleet" id="fleet" />
    </section>
    <section aria-labelledby="st-regions">
      <h2 id="st-regions">Regions</h2>
      ${d.regions.map(
        (
          r,
        ) => html`<h3>${r.key ?? 'no region'}: ${pct(r.ratio90d)} <span class="muted">· ${r.nodeCount} nodes${r.states.DOWN ? `, ${r.states.DOWN} down` : ''}</span></h3>
        <${Bars} days=${r.days} label=${`Region ${r.key ?? 'none'}`} id=${`region-${r.key}`} />`,
      )}
    </section>
    <section aria-labelledby="st-inc">
      <h2 id="st-inc">Current incidents</h2>
      ${d.incidents.length ? html`<ul>${d.incidents.map((i) => html`<li data-incident=${i.id}><strong>${i.title}</strong> <span class="muted">${i.status} · since ${when(i.openedAt)}</span></li>`)}</ul>` : html`<p>None.</p>`}
    </section>
    <section aria-labelledby="st-maint">
      <h2 id="st-maint">Maintenance</h2>
      ${d.maintenance.length ? html`<ul>${d.maintenance.map((m) => html`<li>${m.current ? html`<strong>Now: </strong>` : null}${when(m.start)} to ${when(m.end)}, ${m.scope === 'region' ? `region ${m.region}` : m.scope === 'fleet' ? 'the whole fleet' : `${m.nodeCount} node${m.nodeCount === 1 ? '' : 's'}`}: ${m.reason}</li>`)}</ul>` : html`<p>None planned.</p>`}
    </section>
    <section aria-labelledby="st-gaps">
      <h2 id="st-gaps">Our own monitoring gaps</h2>
      <p class="muted">Times the monitoring itself was not observing. They count against nobody: nodes show UNKNOWN then.</p>
      ${d.monitoringGaps.length ? html`<ul data-list="gaps">${d.monitoringGaps.map((g) => html`<li>${g.day}: not observing for ${duration(g.seconds)}</li>`)}</ul>` : html`<p>None in 90 days.</p>`}
    </section>`
        : null
    }`;
}
