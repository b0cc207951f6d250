/**
 * Finance (admin, finance): a month's close state and statements, the CSV export, verification, every
 * dispute, and (admin) closing a month and recording an adjustment.
 */
import { useState } from 'preact/hooks';
import { type Session, api } from '../lib/api.ts';
import { money, previousMonth, when } from '../lib/format.ts';
import { html } from '../lib/html.ts';
import { Failed, useLoad } from '../lib/ui.ts';

export const title = 'Finance';

interface Row {
  subjectKind: string;
  subjectId: string;
  totalCents: number;
  statementSha256: string;
}
interface Dispute {
  id: number;
  month: string;
  subject: { kind: string; id: string };
  line: { code: string };
  message: string;
  status: string;
  openedAt: string;
  answer: string | null;
}

export default function Finance({ session }: { session: Session }) {
  const [month, setMonth] = useState(previousMonth());
  const [msg, setMsg] = useState<string | undefined>();
  const list = useLoad(() => api<Row[]>(`/v1/months/${month}/statements`), `fin-${month}`);
  const disputes = useLoad(() => api<Dispute[]>('/v1/disputes'), 'fin-disputes');
  const admin = session.role === 'admin';
  const act = async (what: string, fn: () => Promise<unknown>) => {
    setMsg(undefined);
    try {
      const r = await fn();
      setMsg(`${what}: ${JSON.stringify(r).slice(0, 300)}`);
      list.reload();
    } catch (e) {
      setMsg(`${what} failed: ${(e as Error).message}`);
    }
  };
  const adjust = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    void act('Adjustment', () =>
      api('/v1/admin/adjustments', {
        method: 'POST',
        body: {
          operator: String(f.get('operator')),
          amountCents: Math.round(Number(f.get('amount')) * 100),
          reason: String(f.get('reason')),
          note: String(f.get('note')),
        },
      }),
    );
  };
  const rows = list.data ?? [];
  return html`<h1 tabindex="-1">Finance</h1>
    <form class="inline" onSubmit=${(e: Event) => e.preventDefault()}>
      <label for="f-month">Month</label>
      <input id="f-month" type="month" value=${month} onChange=${(e: Event) => setMonth((e.target as HTMLInputElement).value)} />
    </form>
    ${msg ? html`<p class="notice" role="status">${msg}</p>` : null}
    <section aria-labelledby="f-st">
      <h2 id="f-st">Statements of ${month}</h2>
      <${Failed} error=${list.error} />
      ${
        list.data
          ? rows.length
            ? html`<p>Closed: ${rows.length} statements, ${money(rows.reduce((a, r) => a + r.totalCents, 0))} in all ·
            <a href=${`/v1/months/${month}/statements?format=csv`} download=${`statements-${month}.csv`} data-action="csv">CSV export</a> ·
            <button type="button" class="secondary" data-action="verify" onClick=${() => act('Verification', () => api(`/v1/months/${month}/verify`))}>Verify against the evidence</button></p>
          <div class="table-wrap" tabindex="0" role="region" aria-label="Statements"><table data-table="statements">
            <caption class="sr-only">Statements of ${month}</caption>
            <thead><tr><th scope="col">Subject</th><th scope="col" class="num">Total</th><th scope="col">SHA-256</th></tr></thead>
            <tbody>${rows.map((r) => html`<tr><td>${r.subjectKind === 'operator' ? html`<a href=${`/operator/${encodeURIComponent(r.subjectId)}`}>${r.subjectKind} ${r.subjectId}</a>` : `${r.subjectKind} ${r.subjectId}`}</td><td class="num">${money(r.totalCents)}</td><td><code>${r.statementSha256.slice(0, 16)}…</code></td></tr>`)}</tbody>
          </table></div>`
            : html`<p>${month} is not closed.${admin ? html` <button type="button" data-action="close" onClick=${() => act('Close', () => api(`/v1/admin/months/${month}/close`, { method: 'POST' }))}>Close ${month}</button>` : null}</p>`
          : null
      }
    </section>
    <section aria-labelledby="f-disp">
      <h2 id="f-disp">Disputes</h2>
      <${Failed} error=${disputes.error} />
      ${disputes.data ? (disputes.data.length ? html`<ul data-list="disputes">${disputes.data.map((d) => html`<li>${d.month} ${d.subject.kind} ${d.subject.id}, line ${d.line.code}: ${d.message} <span class="muted">${d.status} · ${when(d.openedAt)}${d.answer ? ` · ${d.answer}` : ''}</span></li>`)}</ul>` : html`<p>No dispute.</p>`) : null}
    </section>
    ${
      admin
        ? html`<section aria-labelledby="f-adj">
      <h2 id="f-adj">Record an adjustment (the month open now)</h2>
      <form class="inline" onSubmit=${adjust} data-form="adjustment">
        <div><label for="a-op">Operator</label><input id="a-op" name="operator" required /></div>
        <div><label for="a-amount">Amount ($)</label><input id="a-amount" name="amount" type="number" step="0.01" required /></div>
        <div><label for="a-reason">Reason code</label><input id="a-reason" name="reason" required pattern="[a-z][a-z0-9_]*" value="correction" /></div>
        <div><label for="a-note">Note</label><input id="a-note" name="note" required /></div>
        <button type="submit">Record</button>
      </form>
    </section>`
        : null
    }`;
}
