/**
 * The fleet (admin, fleet lead; finance reads it without the buttons): nodes by state (live), regions
 * with their operator coverage, open incidents with acknowledge / resolve, the fleet SLA against its
 * target, the month's downtime budget and projection, the alert outbox's health, the 90-day bar.
 */
import { useState } from 'preact/hooks';
import type * as Wire from '../../../shared/src/wire/console.ts';
import { type Session, api, apiList, isLead } from '../lib/api.ts';
import { Bars, type DayBar, Legend } from '../lib/bars.ts';
import { duration, minutes, pct, when, ago } from '../lib/format.ts';
import { html } from '../lib/html.ts';
import { liveStates } from '../lib/live.ts';
import { Card, Failed, Loading, State, useLoad } from '../lib/ui.ts';

export const title = 'Fleet';

type Overview = Wire.FleetOverview;
export interface NodeRow {
  id: number;
  name: string;
  operator: string | null;
  region: string | null;
  state: string | null;
  stateSince: string | null;
  lastHeartbeatAt: string | null;
  failing: string[];
}
export interface Incident {
  id: string;
  severity: string;
  status: string;
  summary: string;
  nodes: string[];
  operators: string[];
  regions: string[];
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}
interface Coverage {
  region: string;
  active: number;
  required: number;
  atRisk: boolean;
}

const STATES = ['DOWN', 'UNKNOWN', 'MAINTENANCE', 'UP'] as const;

export function Incidents({
  incidents,
  canAct,
  reload,
  ackPath,
  by,
}: {
  incidents: Incident[];
  canAct: boolean;
  reload: () => void;
  ackPath?: (id: string) => string;
  by?: string;
}) {
  const [busy, setBusy] = useState<string | undefined>();
  const [msg, setMsg] = useState<string | undefined>();
  const act = async (i: Incident, what: 'ack' | 'resolve') => {
    setBusy(i.id);
    setMsg(undefined);
    try {
      if (what === 'ack')
        await api(ackPath ? ackPath(i.id) : `/v1/incidents/${encodeURIComponent(i.id)}/ack${by ? `?by=${encodeURIComponent(by)}` : ''}`, {
          method: 'POST',
        });
      else {
        const resolution = prompt(`Resolve ${i.id}: what was done?`, 'resolved from the console');
        if (resolution === null) return;
        await api(`/v1/incidents/${encodeURIComponent(i.id)}/resolve`, { method: 'POST', body: { cause: 'manual', resolution } });
      }
      setMsg(`${i.id} ${what === 'ack' ? 'acknowledged' : 'resolved'}.`);
      reload();
    } catch (e) {
      setMsg(`Could not ${what === 'ack' ? 'acknowledge' : 'resolve'} ${i.id}: ${(e as Error).message}`);
    } finally {
      setBusy(undefined);
    }
  };
  if (incidents.length === 0) return html`<p>No open incident.</p>`;
  return html`<div aria-live="polite" class="sr-only">${msg}</div>
    ${msg ? html`<p class="notice" data-incident-msg>${msg}</p>` : null}
    <div class="table-wrap" tabindex="0" role="region" aria-label="Table (scrolls sideways on a narrow screen)"><table data-table="incidents">
      <caption class="sr-only">Open and acknowledged incidents</caption>
      <thead><tr><th scope="col">Incident</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Summary</th><th scope="col">Opened</th>${canAct ? html`<th scope="col">Actions</th>` : null}</tr></thead>
      <tbody>
        ${incidents.map(
          (i) => html`<tr data-incident=${i.id}>
            <td>${i.id}</td><td>${i.severity}</td>
            <td data-status>${i.status}${i.acknowledgedBy ? html`<span class="muted"> by ${i.acknowledgedBy}</span>` : null}</td>
            <td>${i.summary}${i.nodes.length ? html`<br /><span class="muted">nodes: ${i.nodes.slice(0, 5).map((n, k) => html`${k ? ', ' : ''}<a href=${`/node/${encodeURIComponent(n)}`}>${n}</a>`)}${i.nodes.length > 5 ? ` and ${i.nodes.length - 5} more` : ''}</span>` : null}</td>
            <td>${when(i.openedAt)}</td>
            ${
              canAct
                ? html`<td style="white-space:nowrap">
                ${i.status === 'open' ? html`<button type="button" data-action="ack" disabled=${busy === i.id} onClick=${() => act(i, 'ack')}>Acknowledge<span class="sr-only"> ${i.id}</span></button> ` : null}
                ${ackPath ? null : html`<button type="button" class="secondary" data-action="resolve" disabled=${busy === i.id} onClick=${() => act(i, 'resolve')}>Resolve<span class="sr-only"> ${i.id}</span></button>`}
              </td>`
                : null
            }
          </tr>`,
        )}
      </tbody>
    </table></div>`;
}

/** How many nodes of each state the page lists (the rest are counted). */
const LISTED = 50;
type Listed = Record<(typeof LISTED_STATES)[number], { items: NodeRow[]; total: number }>;
const LISTED_STATES = ['DOWN', 'UNKNOWN', 'MAINTENANCE'] as const;

/**
 * The counts (the overview's, moved by the live events that came after it) and, per state but UP, the
 * first nodes in it (the server's lists, a node's live state over its loaded one; a node that turned
 * DOWN, UNKNOWN or MAINTENANCE live since the lists were read joins its state's list and leaves its old one).
 */
function NodesByState({ overview, listed, loadedAt }: { overview: Overview; listed: Listed; loadedAt: number }) {
  const live = liveStates.value;
  const counts: Record<string, number> = { ...overview.states };
  const since = Date.parse(overview.at);
  for (const ev of Object.values(live)) {
    if (Date.parse(ev.at) <= since) continue;
    const from = ev.from ?? 'untracked';
    if ((counts[from] ?? 0) > 0) counts[from]!--;
    counts[ev.to] = (counts[ev.to] ?? 0) + 1;
  }
  const fresh = (name: string) => {
    const ev = live[name];
    return ev && Date.parse(ev.at) >= loadedAt - 60_000 ? ev : undefined;
  };
  const state = (n: NodeRow) => fresh(n.name)?.to ?? n.state;
  const groups = LISTED_STATES.map((s) => {
    const loaded = new Set(listed[s].items.map((n) => n.name));
    const moved: NodeRow[] = Object.values(live)
      .filter((ev) => ev.to === s && !loaded.has(ev.node) && fresh(ev.node))
      .map((ev) => ({
        id: ev.nodeId,
        name: ev.node,
        operator: ev.operator,
        region: ev.region,
        state: ev.to,
        stateSince: ev.at,
        lastHeartbeatAt: null,
        failing: [],
      }));
    const stayed = listed[s].items.filter((n) => state(n) === s);
    const list = [...moved, ...stayed];
    // How many are in the state: the list's total when read, moved by the live changes of the nodes shown.
    return [s, list, listed[s].total + moved.length - (listed[s].items.length - stayed.length)] as const;
  });
  return html`<div class="cards" data-counts>
      ${STATES.map((s) => html`<${Card} id=${`state-${s}`} label=${`Nodes ${s}`} value=${html`<span class=${`state-${s}`}>${counts[s] ?? 0}</span>`} />`)}
      <${Card} id="state-none" label="No report yet" value=${counts.untracked ?? 0} />
    </div>
    ${groups
      .filter(([, list]) => list.length)
      .map(
        ([s, list, total]) => html`<h3>${s} (${total})</h3>
        <ul data-list=${s}>${list.slice(0, LISTED).map((n) => html`<li data-node=${n.name}><a href=${`/node/${encodeURIComponent(n.name)}`}>${n.name}</a> <${State} state=${state(n)} /> <span class="muted">${n.operator ?? 'no operator'} · ${n.region ?? 'no region'} · since ${ago(fresh(n.name)?.at ?? n.stateSince)}</span></li>`)}</ul>
        ${total > LISTED ? html`<p class="muted">showing ${Math.min(LISTED, list.length)} of ${total}</p>` : null}`,
      )}`;
}

export default function Fleet({ session }: { session: Session }) {
  const overview = useLoad(() => api<Overview>('/v1/fleet/overview'), 'overview');
  // Only the nodes the page lists: the first of each state but UP (the counts are the overview's).
  const nodes = useLoad(async () => {
    const lists = await Promise.all(LISTED_STATES.map((s) => apiList<NodeRow>(`/v1/nodes?state=${s}&limit=${LISTED}`)));
    return { listed: Object.fromEntries(LISTED_STATES.map((s, i) => [s, lists[i]!])) as Listed, at: Date.now() };
  }, 'nodes');
  const incidents = useLoad(
    async () => (await api<{ incidents: Incident[] }>('/v1/incidents?status=unresolved&limit=100')).incidents,
    'incidents',
  );
  const coverage = useLoad(() => api<Coverage[]>('/v1/regions/coverage'), 'coverage');
  const bars = useLoad(() => api<{ days: DayBar[]; thresholdPct: number }>('/v1/fleet/uptime/days?days=90'), 'bars');
  const operators = useLoad(() => api<Array<{ name: string; tier: string; region: string | null }>>('/v1/operators'), 'operators');
  const o = overview.data;
  return html`<h1 tabindex="-1">Fleet</h1>
    <section aria-labelledby="sla-h">
      <h2 id="sla-h">This month</h2>
      ${overview.loading && !o ? html`<${Loading} what="the fleet's figures" />` : null}<${Failed} error=${overview.error} />
      ${
        o
          ? html`<div class="cards">
        <${Card} id="sla" label=${`Fleet SLA ${o.sla.month} (target ${o.sla.thresholdPct} %)`} value=${html`<span class=${o.sla.meetsThreshold === false ? 'bad' : 'ok'}>${pct(o.sla.ratio)}</span>`} note=${o.sla.meetsThreshold === false ? 'below target' : 'meets target'} />
        <${Card} id="budget" label="Downtime budget left" value=${minutes(o.sla.budget.leftSeconds)} note=${`${minutes(o.sla.budget.usedDownSeconds)} used of ${minutes(o.sla.budget.allowedDownSeconds)}`} />
        <${Card} id="projection" label="Month-end projection" value=${pct(o.sla.projection.ratio)} note=${o.sla.projection.meetsThreshold === false ? 'projected to miss the target' : 'projected to meet the target'} />
        <${Card} id="incidents" label="Incidents open / acknowledged" value=${`${o.incidents.open} / ${o.incidents.acknowledged}`} />
        <${Card}
          id="outbox"
          label="Alert outbox"
          value=${o.outbox.dead ? html`<span class="bad">${o.outbox.dead} dead</span>` : `${o.outbox.pending} pending`}
          note=${`${o.outbox.pending} pending · ${o.outbox.sending} sending · ${o.outbox.sent} sent${o.outbox.oldestPendingAgeSeconds > 0 ? ` · oldest pending ${duration(o.outbox.oldestPendingAgeSeconds)}` : ''}`}
        />
      </div>`
          : null
      }
    </section>
    <section aria-labelledby="nodes-h">
      <h2 id="nodes-h">Nodes by state</h2>
      ${(nodes.loading && !nodes.data) || (overview.loading && !o) ? html`<${Loading} what="nodes" />` : null}<${Failed} error=${nodes.error} />
      ${nodes.data && o ? html`<${NodesByState} overview=${o} listed=${nodes.data.listed} loadedAt=${nodes.data.at} />` : null}
    </section>
    <section aria-labelledby="inc-h">
      <h2 id="inc-h">Open incidents</h2>
      <${Failed} error=${incidents.error} />
      ${incidents.data ? html`<${Incidents} incidents=${incidents.data} canAct=${isLead(session)} by=${session.name ?? session.role} reload=${() => (incidents.reload(), overview.reload())} />` : null}
    </section>
    <section aria-labelledby="bar-h">
      <h2 id="bar-h">Fleet uptime, 90 days</h2>
      <${Failed} error=${bars.error} />
      ${bars.data ? html`<${Legend} /><${Bars} days=${bars.data.days} label="Fleet" id="fleet" />` : null}
    </section>
    <section aria-labelledby="reg-h">
      <h2 id="reg-h">Regions</h2>
      <${Failed} error=${coverage.error} />
      <div class="table-wrap" tabindex="0" role="region" aria-label="Table (scrolls sideways on a narrow screen)"><table data-table="regions">
        <caption class="sr-only">Regions: nodes per state and operator coverage</caption>
        <thead><tr><th scope="col">Region</th><th scope="col" class="num">Nodes</th><th scope="col" class="num">Down</th><th scope="col" class="num">Unknown</th><th scope="col" class="num">Active operators</th><th scope="col">Coverage</th></tr></thead>
        <tbody>
          ${(o?.regions ?? (coverage.data ?? []).map((c) => ({ region: c.region, nodeCount: undefined, states: undefined }))).map((r) => {
            const c = coverage.data?.find((x) => x.region === r.region);
            return html`<tr data-region=${r.region ?? ''}>
              <th scope="row">${r.region ?? 'no region'}</th><td class="num">${r.nodeCount ?? '—'}</td><td class="num">${r.states?.DOWN ?? '—'}</td><td class="num">${r.states?.UNKNOWN ?? '—'}</td>
              <td class="num">${c ? `${c.active} of ${c.required}` : '—'}</td>
              <td>${c ? (c.atRisk ? html`<span class="bad">at risk</span>` : html`<span class="ok">covered</span>`) : '—'}</td>
            </tr>`;
          })}
        </tbody>
      </table></div>
    </section>
    <section aria-labelledby="ops-h">
      <h2 id="ops-h">Operators</h2>
      <${Failed} error=${operators.error} />
      <ul data-list="operators">${(operators.data ?? []).map((op) => html`<li><a href=${`/operator/${encodeURIComponent(op.name)}`}>${op.name}</a> <span class="muted">${op.tier} · ${op.region ?? 'no region'}</span></li>`)}</ul>
    </section>`;
}
