/**
 * A partner's page: the operators they referred (state, tier, region, when) and their commission
 * statement of a closed month (lines, each with its formula; download). Another partner's answers 404.
 */
import { useState } from 'preact/hooks';
import { type Session, api, isStaff } from '../lib/api.ts';
import { money, previousMonth, when } from '../lib/format.ts';
import { html } from '../lib/html.ts';
import { Failed, Loading, useLoad } from '../lib/ui.ts';

export const title = 'Partner';

interface Partner {
  partner: { name: string; referralCode: string; referrals: number };
  referrals: Array<{ operator: string; state: string; tier: string; region: string | null; referredAt: string }>;
}
interface Statement {
  month: string;
  totalCents: number;
  lines: Array<{ code: string; kind: string; label?: string; reason: string; amountCents: number; formula: string }>;
}

function Commission({ partner, month }: { partner: string; month: string }) {
  const path = `/v1/partners/${encodeURIComponent(partner)}/statements/${month}`;
  const st = useLoad(() => api<Statement>(path), `pst-${partner}-${month}`);
  if (st.error) return html`<p class="muted">No commission statement for ${month} (${st.error.message}).</p>`;
  if (!st.data) return html`<${Loading} what="the statement" />`;
  return html`<p>Total <strong>${money(st.data.totalCents)}</strong> · <a href=${path} download=${`commission-${partner}-${month}.json`}>Download (JSON)</a> · <a href=${`${path}?format=markdown`} download=${`commission-${partner}-${month}.md`}>Markdown</a></p>
    <div class="table-wrap" tabindex="0" role="region" aria-label="Commission lines"><table data-table="commission">
      <caption class="sr-only">Commission lines of ${month}</caption>
      <thead><tr><th scope="col">Line</th><th scope="col">Kind</th><th scope="col">How</th><th scope="col" class="num">Amount</th></tr></thead>
      <tbody>${st.data.lines.map((l) => html`<tr><td>${l.code}</td><td>${l.label ?? l.kind}</td><td>${l.formula}</td><td class="num">${money(l.amountCents)}</td></tr>`)}</tbody>
    </table></div>`;
}

export default function PartnerPage({ params, session }: { params: { partner: string }; session: Session }) {
  const p = useLoad(() => api<Partner>(`/v1/partners/${encodeURIComponent(params.partner)}`), `p-${params.partner}`);
  const [month, setMonth] = useState(previousMonth());
  if (p.error) return html`<h1 tabindex="-1">Partner ${params.partner}</h1><${Failed} error=${p.error} />`;
  const d = p.data;
  return html`<h1 tabindex="-1">Partner ${params.partner}</h1>
    ${!d ? html`<${Loading} what="the partner" />` : html`<p class="muted">Referral code <code>${d.partner.referralCode}</code> · ${d.partner.referrals} referrals</p>`}
    <section aria-labelledby="p-ref">
      <h2 id="p-ref">Referred operators</h2>
      ${
        d
          ? d.referrals.length
            ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Referred operators"><table data-table="referrals">
          <caption class="sr-only">Operators referred by ${params.partner}</caption>
          <thead><tr><th scope="col">Operator</th><th scope="col">State</th><th scope="col">Tier</th><th scope="col">Region</th><th scope="col">Referred</th></tr></thead>
          <tbody>${d.referrals.map((r) => html`<tr><th scope="row">${isStaff(session) ? html`<a href=${`/operator/${encodeURIComponent(r.operator)}`}>${r.operator}</a>` : r.operator}</th><td>${r.state}</td><td>${r.tier}</td><td>${r.region ?? '—'}</td><td>${when(r.referredAt)}</td></tr>`)}</tbody>
        </table></div>`
            : html`<p>No referral yet.</p>`
          : null
      }
    </section>
    <section aria-labelledby="p-com">
      <h2 id="p-com">Commissions</h2>
      <form class="inline" onSubmit=${(e: Event) => e.preventDefault()}>
        <label for="p-month">Month</label>
        <input id="p-month" type="month" value=${month} onChange=${(e: Event) => setMonth((e.target as HTMLInputElement).value)} />
      </form>
      <${Commission} partner=${params.partner} month=${month} key=${month} />
    </section>
    ${isStaff(session) ? html`<p><a href=${`/v1/reports/monthly-program?period=${month}`} download=${`monthly-program-${month}.md`}>The monthly program report (${month})</a></p>` : null}`;
}
