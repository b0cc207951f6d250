/**
 * The operator portal: their nodes (live state, 90-day bar each and for the operator), month to date
 * with budget and projection, the live pay estimate, statements whose lines drill down to their evidence
 * (statement → line → node: three clicks), disputes, their incidents with acknowledge, the maintenance
 * covering their nodes and the install one-liner with a fresh enrollment token. Staff see any operator's;
 * another operator's answers 404 from the API, and the page says only "not found".
 */
import { useMemo, useState } from 'preact/hooks';
import type * as Wire from '../../../shared/src/wire/console.ts';
import { type Session, api, isLead } from '../lib/api.ts';
import { Bars, Legend } from '../lib/bars.ts';
import { ago, minutes, money, pct, previousMonth, when } from '../lib/format.ts';
import { html } from '../lib/html.ts';
import { liveStates } from '../lib/live.ts';
import { Card, Failed, Loading, State, memo, useLoad } from '../lib/ui.ts';
import { type Incident, Incidents } from './fleet.ts';

export const title = 'Operator';

type OperatorNodes = Wire.OperatorNodes;
interface Uptime {
  ratio: number | null;
  thresholdPct: number;
  budget: { month: string; allowedDownSeconds: number; usedDownSeconds: number; leftSeconds: number };
  projection: { ratio: number | null; meetsThreshold: boolean | null };
}
interface Line {
  code: string;
  kind: string;
  label?: string;
  reason: string;
  amountCents: number;
  formula: string;
  refs: {
    nodes?: Array<{ nodeId: number; upSeconds: number; downSeconds: number }>;
    incidents?: Array<{ id: number | string; severity: string; ackSeconds: number | null }>;
    taskImports?: Array<{ sourceId: string; assigned: number; completed: number }>;
    uptime?: { upSeconds: number; downSeconds: number; uptimePct: string };
  };
}
interface Statement {
  month: string;
  lines: Line[];
  totalCents: number;
  evidenceDigest: string;
}
interface Dispute {
  id: number;
  month: string;
  line: { index: number; code: string };
  message: string;
  status?: string;
  answer?: string | null;
}

function Evidence({ line, nodeNames }: { line: Line; nodeNames: Record<number, string> }) {
  const r = line.refs;
  return html`<div data-evidence=${line.code}>
    <p><strong>How:</strong> ${line.formula}</p>
    ${r.uptime ? html`<p>Uptime counted: ${r.uptime.uptimePct} % (UP ${minutes(r.uptime.upSeconds)}, DOWN ${minutes(r.uptime.downSeconds)})</p>` : null}
    ${
      r.nodes?.length
        ? html`<ul>${r.nodes.map((n) => {
            const name = nodeNames[n.nodeId] ?? String(n.nodeId);
            return html`<li><a href=${`/node/${encodeURIComponent(name)}`}>${name}</a>: UP ${minutes(n.upSeconds)}, DOWN ${minutes(n.downSeconds)}</li>`;
          })}</ul>`
        : null
    }
    ${r.incidents?.length ? html`<ul>${r.incidents.map((i) => html`<li>incident ${i.id} (${i.severity}): ${i.ackSeconds === null ? 'not acknowledged' : `acknowledged after ${minutes(i.ackSeconds)}`}</li>`)}</ul>` : null}
    ${r.taskImports?.length ? html`<ul>${r.taskImports.map((t) => html`<li>task import ${t.sourceId}: ${t.completed} of ${t.assigned}</li>`)}</ul>` : null}
  </div>`;
}

function StatementView({
  op,
  month,
  nodeNames,
  canDispute,
}: {
  op: string;
  month: string;
  nodeNames: Record<number, string>;
  canDispute: boolean;
}) {
  const path = `/v1/operators/${encodeURIComponent(op)}/statements/${month}`;
  const st = useLoad(() => api<Statement>(path), `st-${op}-${month}`);
  const [open, setOpen] = useState<string | undefined>();
  const [msg, setMsg] = useState<string | undefined>();
  const dispute = async (line: Line) => {
    const message = prompt(`Dispute line ${line.code} (${line.kind}): what is wrong?`);
    if (!message) return;
    try {
      await api(`${path}/disputes`, { method: 'POST', body: { line: line.code, message } });
      setMsg(`Dispute on ${line.code} sent.`);
    } catch (e) {
      setMsg(`Could not dispute: ${(e as Error).message}`);
    }
  };
  if (st.error) return html`<p class="muted" data-statement-missing>No statement for ${month} (${st.error.message}).</p>`;
  if (!st.data) return html`<${Loading} what=${`the ${month} statement`} />`;
  const s = st.data;
  return html`<div data-statement=${month}>
    <p>Total <strong>${money(s.totalCents)}</strong> · <a href=${path} download=${`statement-${op}-${month}.json`} data-action="download">Download the statement (JSON)</a> · <a href=${`${path}?format=markdown`} download=${`statement-${op}-${month}.md`}>Markdown</a></p>
    ${msg ? html`<p class="notice" role="status">${msg}</p>` : null}
    <div class="table-wrap" tabindex="0" role="region" aria-label="Table (scrolls sideways on a narrow screen)"><table data-table="lines">
      <caption class="sr-only">Line items of ${month}</caption>
      <thead><tr><th scope="col">Line</th><th scope="col">Kind</th><th scope="col">Reason</th><th scope="col" class="num">Amount</th><th scope="col">Evidence</th></tr></thead>
      <tbody>${s.lines.map(
        (l) => html`<tr data-line=${l.code}>
          <td>${l.code}</td><td>${l.label ?? l.kind}</td><td>${l.reason}</td><td class="num">${money(l.amountCents)}</td>
          <td><button type="button" class="secondary" aria-expanded=${open === l.code} data-action="evidence" onClick=${() => setOpen(open === l.code ? undefined : l.code)}>Evidence<span class="sr-only"> for ${l.code}</span></button>
          ${canDispute ? html` <button type="button" class="secondary" data-action="dispute" onClick=${() => dispute(l)}>Dispute<span class="sr-only"> ${l.code}</span></button>` : null}
          ${open === l.code ? html`<${Evidence} line=${l} nodeNames=${nodeNames} />` : null}</td>
        </tr>`,
      )}</tbody>
    </table></div>
  </div>`;
}

export default function OperatorPage({ params, session }: { params: { op: string }; session: Session }) {
  const op = encodeURIComponent(params.op);
  const nodes = useLoad(async () => ({ d: await api<OperatorNodes>(`/v1/operators/${op}/nodes`), at: Date.now() }), `nodes-${op}`);
  const month = useLoad(() => api<Uptime>(`/v1/operators/${op}/uptime?month=${new Date().toISOString().slice(0, 7)}`), `mtd-${op}`);
  // The operator's bar and every node's (the first 50 by name) in one read.
  const bars = useLoad(() => api<Wire.OperatorNodesDays>(`/v1/operators/${op}/nodes/uptime/days?days=90&limit=50`), `bars-${op}`);
  const estimate = useLoad(async () => (await api<{ statement: Statement }>(`/v1/operators/${op}/pay/estimate`)).statement, `est-${op}`);
  const disputes = useLoad(async () => {
    return api<Dispute[]>(`/v1/disputes?operator=${op}`);
  }, `disp-${op}`);
  const incidents = useLoad(async () => (await api<{ incidents: Incident[] }>(`/v1/operators/${op}/incidents`)).incidents, `inc-${op}`);
  const [months, setMonths] = useState(previousMonth());
  const d = nodes.data?.d;
  // Hooks before any early return: every draw calls the same ones in the same order.
  const nodeNames = useMemo(() => Object.fromEntries((d?.nodes ?? []).map((n) => [n.id, n.name])), [d]);
  const nodeList = useMemo(() => (d?.nodes ?? []).map((n) => n.name), [d]);
  // Whether the operator exists (and is this person's to see) is the uptime read's answer, an API every collector serves.
  if (month.error) return html`<h1 tabindex="-1">Operator ${params.op}</h1><${Failed} error=${month.error} />`;
  const isOwn = session.role === 'operator';
  const m = month.data;
  return html`<h1 tabindex="-1">Operator ${params.op}</h1>
    ${!d ? (nodes.error ? null : html`<${Loading} what="the operator" />`) : html`<p class="muted">Tier ${d.tier}: held to ${d.thresholdPct} % · ${d.nodes.length} nodes</p>`}
    <section aria-labelledby="op-month">
      <h2 id="op-month">Month to date</h2>
      ${
        m
          ? html`<div class="cards">
        <${Card} id="mtd" label=${`Uptime ${m.budget.month} (threshold ${m.thresholdPct} %)`} value=${pct(m.ratio)} />
        <${Card} id="budget" label="Budget left" value=${html`<span class=${m.budget.leftSeconds < 0 ? 'bad' : ''}>${minutes(m.budget.leftSeconds)}</span>`} note=${`${minutes(m.budget.usedDownSeconds)} of ${minutes(m.budget.allowedDownSeconds)} used`} />
        <${Card} id="projection" label="Projection" value=${pct(m.projection.ratio)} note=${m.projection.meetsThreshold === false ? html`<span class="bad">projected to miss</span>` : 'projected to meet'} />
        ${estimate.data ? html`<${Card} id="estimate" label=${`Pay estimate ${estimate.data.month ?? ''}`} value=${money(estimate.data.totalCents)} note="live, projected to the month's end" />` : null}
      </div>`
          : html`<${Loading} what="the month" />`
      }
    </section>
    <section aria-labelledby="op-nodes">
      <h2 id="op-nodes">Nodes</h2>
      <${Failed} error=${nodes.error} />
      ${d && nodes.data ? html`<${NodesTable} d=${d} at=${nodes.data.at} op=${params.op} />` : null}
    </section>
    <section aria-labelledby="op-bars">
      <h2 id="op-bars">90 days</h2>
      <${Legend} />
      <${Failed} error=${bars.error} />
      ${bars.loading && !bars.data ? html`<${Loading} what="the bars" />` : null}
      ${bars.data ? html`<${OperatorBars} data=${bars.data} op=${params.op} />` : null}
    </section>
    <section aria-labelledby="op-inc">
      <h2 id="op-inc">Incidents</h2>
      <${Failed} error=${incidents.error} />
      ${incidents.data ? html`<${Incidents} incidents=${incidents.data} canAct=${isOwn || isLead(session)} reload=${incidents.reload} ackPath=${(id: string) => `/v1/operators/${op}/incidents/${encodeURIComponent(id)}/ack`} />` : null}
    </section>
    <section aria-labelledby="op-pay">
      <h2 id="op-pay">Statements</h2>
      <form class="inline" onSubmit=${(e: Event) => e.preventDefault()}>
        <label for="st-month">Month</label>
        <input id="st-month" type="month" value=${months} onChange=${(e: Event) => setMonths((e.target as HTMLInputElement).value)} />
      </form>
      <${StatementView} op=${params.op} month=${months} nodeNames=${nodeNames} canDispute=${isOwn} key=${months} />
      <h3>Disputes</h3>
      <${Failed} error=${disputes.error} />
      ${disputes.data ? (disputes.data.length ? html`<ul data-list="disputes">${disputes.data.map((x) => html`<li>${x.month} line ${x.line.code}: ${x.message} <span class="muted">${x.status ?? ''} ${x.answer ?? ''}</span></li>`)}</ul>` : html`<p>No dispute.</p>`) : null}
    </section>
    <${Maintenance} op=${op} nodes=${nodeList} canDeclare=${isOwn || session.role === 'admin'} />
    <${Install} op=${op} />`;
}

/** The operator's nodes with their live state (a state event newer than the list wins). */
const NodesTable = memo(function NodesTable({ d, at, op }: { d: OperatorNodes; at: number; op: string }) {
  const live = liveStates.value;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="Table (scrolls sideways on a narrow screen)"><table data-table="nodes">
        <caption class="sr-only">Nodes of ${op}</caption>
        <thead><tr><th scope="col">Node</th><th scope="col">State</th><th scope="col">Region</th><th scope="col">Last heartbeat</th><th scope="col">Agent</th></tr></thead>
        <tbody>${d.nodes.map((n) => {
          const ev = live[n.name];
          const st = ev && Date.parse(ev.at) >= at - 60_000 ? ev.to : n.state;
          return html`<tr data-node=${n.name}><th scope="row"><a href=${`/node/${encodeURIComponent(n.name)}`}>${n.name}</a></th><td><${State} state=${st} /></td><td>${n.region ?? '—'}</td><td>${ago(n.lastHeartbeatAt)}</td><td>${n.agentVersion ?? '—'}</td></tr>`;
        })}</tbody>
      </table></div>`;
});

/** The operator's bar and each node's. */
const OperatorBars = memo(function OperatorBars({ data, op }: { data: Wire.OperatorNodesDays; op: string }) {
  return html`<div class="bar-row"><strong>All nodes</strong><${Bars} days=${data.group.days} label=${`Operator ${op}`} id="operator" /><span></span></div>
      ${data.nodes.map((b) => html`<div class="bar-row"><a href=${`/node/${encodeURIComponent(b.key ?? '')}`}>${b.key}</a><${Bars} days=${b.days} label=${`Node ${b.key}`} id=${`node-${b.key}`} thresholdPct=${b.thresholdPct} /><span></span></div>`)}`;
});

const Maintenance = memo(function Maintenance({ op, nodes, canDeclare }: { op: string; nodes: string[]; canDeclare: boolean }) {
  const list = useLoad(async () => (await api<Wire.OperatorMaintenance>(`/v1/operators/${op}/maintenance`)).windows, `mw-${op}`);
  const [msg, setMsg] = useState<string | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const at = (k: string) => new Date(`${String(f.get(k))}:00Z`).toISOString();
    try {
      await api(`/v1/operators/${op}/maintenance`, {
        method: 'POST',
        body: { node: String(f.get('node')), start: at('start'), end: at('end'), reason: String(f.get('reason')) },
      });
      setMsg('Maintenance declared.');
      list.reload();
    } catch (err) {
      setMsg(`Could not declare it: ${(err as Error).message}`);
    }
  };
  const now = Date.now();
  const shown = (list.data ?? []).filter((w) => !w.cancelledAt && w.occurrences.some((o) => Date.parse(o.end) > now - 7 * 86_400_000));
  return html`<section aria-labelledby="op-maint">
    <h2 id="op-maint">Maintenance</h2>
    <${Failed} error=${list.error} />
    ${
      list.data
        ? shown.length
          ? html`<ul data-list="maintenance">${shown.map((w) => {
              const next = w.occurrences.find((o) => Date.parse(o.end) > now) ?? w.occurrences.at(-1);
              const what = w.scope === 'fleet' ? 'the whole fleet' : w.scope === 'region' ? `region ${w.region}` : w.nodes.join(', ');
              return html`<li>${next?.current ? html`<strong>Now: </strong>` : null}${next ? `${when(next.start)} to ${when(next.end)}` : ''}${w.recurrence ? ` (${w.recurrence})` : ''}: ${what}, ${w.reason} <span class="muted">by ${w.declaredBy}</span></li>`;
            })}</ul>`
          : html`<p>No maintenance declared.</p>`
        : null
    }
    ${
      canDeclare && nodes.length
        ? html`<h3>Declare maintenance for a node (times in UTC)</h3>
      <form class="inline" onSubmit=${submit} data-form="maintenance">
        <div><label for="mw-node">Node</label><select id="mw-node" name="node">${nodes.map((n) => html`<option>${n}</option>`)}</select></div>
        <div><label for="mw-start">Start</label><input id="mw-start" name="start" type="datetime-local" required /></div>
        <div><label for="mw-end">End</label><input id="mw-end" name="end" type="datetime-local" required /></div>
        <div><label for="mw-reason">Reason</label><input id="mw-reason" name="reason" required maxlength="1000" /></div>
        <button type="submit">Declare</button>
      </form>
      ${msg ? html`<p class="notice" role="status">${msg}</p>` : null}`
        : null
    }
  </section>`;
});

function Install({ op }: { op: string }) {
  const [line, setLine] = useState<string | undefined>();
  const [err, setErr] = useState<string | undefined>();
  const issue = async () => {
    setErr(undefined);
    try {
      const r = await api<{ token: string; expiresAt: string; command: string }>(`/v1/operators/${op}/enrollment-tokens`, {
        method: 'POST',
        body: {},
      });
      setLine(`${r.command}\n# the token is single-use and expires ${when(r.expiresAt)}`);
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return html`<section aria-labelledby="op-install">
    <h2 id="op-install">Add a node</h2>
    <p>Run this on the new node (Debian 12 or Ubuntu 22.04/24.04, as root). Each click issues a fresh single-use enrollment token.</p>
    <button type="button" data-action="enroll" onClick=${issue}>Show the install one-liner</button>
    ${err ? html`<div class="error" role="alert">${err}</div>` : null}
    ${line ? html`<pre data-install tabindex="0">${line}</pre>` : null}
  </section>`;
}
