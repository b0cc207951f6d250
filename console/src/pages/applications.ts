/**
 * Applications: the public application form (`/apply`, no sign-in; the operator application template
 * as POST /v1/applications takes it, every problem listed by field) and the review queue
 * (`/applications`, admin and fleet lead: each application's notes, and the simple lifecycle moves).
 */
import { useState } from 'preact/hooks';
import { type Session, ApiError, api, isLead } from '../lib/api.ts';
import { when } from '../lib/format.ts';
import { html } from '../lib/html.ts';
import { Failed, Loading, useLoad } from '../lib/ui.ts';

export const title = 'Applications';

const today = () => new Date().toISOString().slice(0, 10);

function Field({
  id,
  label,
  type = 'text',
  required = true,
  ...rest
}: {
  id: string;
  label: string;
  type?: string;
  required?: boolean;
  [k: string]: unknown;
}) {
  return html`<div><label for=${id}>${label}${required ? '' : ' (optional)'}</label><input id=${id} name=${id} type=${type} required=${required} ...${rest} /></div>`;
}

/** The form's flat fields as the API's nested application. */
function application(f: FormData) {
  const s = (k: string) => String(f.get(k) ?? '').trim();
  const n = (k: string) => Number(f.get(k));
  const opt = (k: string) => (s(k) ? s(k) : undefined);
  return {
    applicant: { fullName: s('fullName'), email: s('email'), ...(opt('handle') ? { handle: s('handle') } : {}) },
    location: {
      country: s('country').toUpperCase(),
      region: s('region'),
      timezone: s('timezone'),
      ...(opt('city') ? { city: s('city') } : {}),
    },
    experience: { linuxAdminYears: n('years'), skills: f.getAll('skills').map(String), summary: s('summary') },
    server: {
      provider: s('provider'),
      datacenter: s('datacenter'),
      vcpus: n('vcpus'),
      ramGb: n('ramGb'),
      storageGb: n('storageGb'),
      storageType: s('storageType'),
      os: s('os'),
      staticIp: f.get('staticIp') === 'on',
      nodes: n('nodes'),
    },
    availability: {
      startDate: s('startDate'),
      hoursPerWeek: n('hours'),
      supportHours: s('supportHours'),
      onCall: f.get('onCall') === 'on',
      commitmentMonths: n('commitment'),
    },
    commitments: {
      uptimeTarget: f.get('uptimeTarget') === 'on',
      exitNotice: f.get('exitNotice') === 'on',
      sovereignty: f.get('sovereignty') === 'on',
      training: f.get('training') === 'on',
    },
    references: [{ name: s('refName'), contact: s('refContact'), relationship: s('refRelationship'), kind: s('refKind') }],
    agreement: { accurate: f.get('accurate') === 'on', signature: s('signature'), signedOn: today() },
    ...(opt('referralCode') ? { referralCode: s('referralCode') } : {}),
  };
}

export function ApplyForm() {
  const [result, setResult] = useState<{ ok?: string; problems?: string[] } | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api<{ id: number; operator: string }>('/v1/applications', {
        method: 'POST',
        body: application(new FormData(e.target as HTMLFormElement)),
      });
      setResult({ ok: `Thank you: application ${r.id} is in. A fleet lead will contact you.` });
    } catch (err) {
      const details = err instanceof ApiError ? err.message : String(err);
      setResult({ problems: details.split(/, (?=body)/) });
    }
  };
  const check = (id: string, label: string) =>
    html`<div><input type="checkbox" id=${id} name=${id} /> <label for=${id} style="display:inline">${label}</label></div>`;
  return html`<form onSubmit=${submit} data-form="apply">
    <fieldset><legend>You</legend><div class="cards">
      <${Field} id="fullName" label="Full name" /><${Field} id="email" label="Email" type="email" /><${Field} id="handle" label="Chat handle" required=${false} />
    </div></fieldset>
    <fieldset><legend>Where</legend><div class="cards">
      <${Field} id="country" label="Country (2 letters)" pattern="[A-Za-z]{2}" /><${Field} id="city" label="City" required=${false} />
      <${Field} id="region" label="Fleet region (e.g. eu-west)" pattern="[a-z][a-z0-9-]*" /><${Field} id="timezone" label="Time zone" value="UTC" />
    </div></fieldset>
    <fieldset><legend>Experience</legend>
      <div class="cards"><${Field} id="years" label="Years of Linux administration" type="number" min="0" max="60" /></div>
      <div>${['linux_admin', 'git', 'containers', 'ai_agent_frameworks', 'vps_fleet_management'].map((k) => html`<span style="margin-right:1rem"><input type="checkbox" id=${`skill-${k}`} name="skills" value=${k} /> <label for=${`skill-${k}`} style="display:inline">${k.replaceAll('_', ' ')}</label></span>`)}</div>
      <label for="summary">Your background (at least 20 characters)</label><textarea id="summary" name="summary" rows="3" required minlength="20" style="width:100%"></textarea>
    </fieldset>
    <fieldset><legend>Server</legend><div class="cards">
      <${Field} id="provider" label="Provider" /><${Field} id="datacenter" label="Datacenter" /><${Field} id="os" label="Operating system" value="Debian 12" />
      <${Field} id="vcpus" label="vCPUs" type="number" min="1" /><${Field} id="ramGb" label="RAM (GB)" type="number" min="1" /><${Field} id="storageGb" label="Storage (GB)" type="number" min="1" />
      <div><label for="storageType">Storage type</label><select id="storageType" name="storageType"><option>nvme</option><option>ssd</option><option>hdd</option></select></div>
      <${Field} id="nodes" label="Nodes (1-10)" type="number" min="1" max="10" value="1" />
    </div>${check('staticIp', 'Static IP address')}</fieldset>
    <fieldset><legend>Availability</legend><div class="cards">
      <${Field} id="startDate" label="Start date" type="date" value=${today()} /><${Field} id="hours" label="Hours per week" type="number" min="1" max="168" />
      <div><label for="supportHours">Support hours</label><select id="supportHours" name="supportHours"><option value="business_hours">business hours</option><option value="always">always</option><option value="on_call">on call</option></select></div>
      <div><label for="commitment">Commitment</label><select id="commitment" name="commitment"><option value="12">12 months</option><option value="6">6 months</option><option value="24">24 months</option></select></div>
    </div>${check('onCall', 'I can be on call')}</fieldset>
    <fieldset><legend>Commitments</legend>
      ${check('uptimeTarget', 'I can keep monthly uptime above 99.5 %')}${check('exitNotice', "I will give 30 days' notice before leaving")}
      ${check('sovereignty', 'No user data leaves the node')}${check('training', 'I will complete the training')}
    </fieldset>
    <fieldset><legend>A reference</legend><div class="cards">
      <${Field} id="refName" label="Name" /><${Field} id="refContact" label="Contact" /><${Field} id="refRelationship" label="Relationship" />
      <div><label for="refKind">Kind</label><select id="refKind" name="refKind"><option value="technical">technical</option><option value="fleet">fleet</option></select></div>
    </div></fieldset>
    <fieldset><legend>Agreement</legend>
      ${check('accurate', 'Everything above is accurate and complete')}
      <div class="cards"><${Field} id="signature" label="Your name, as signature" /><${Field} id="referralCode" label="Partner referral code" required=${false} /></div>
    </fieldset>
    <p><button type="submit">Apply</button></p>
    ${result?.ok ? html`<p class="notice" role="status" data-applied>${result.ok}</p>` : null}
    ${result?.problems ? html`<div class="error" role="alert"><p>Please fix:</p><ul>${result.problems.map((p) => html`<li>${p}</li>`)}</ul></div>` : null}
  </form>`;
}

interface Application {
  id: number;
  operator: string;
  state: string;
  email: string;
  region: string;
  partner: string | null;
  submittedAt: string;
  notes: Array<{ code: string; message: string }>;
}

const SIMPLE = ['start_screening', 'pass_screening', 'pass_technical_review', 'complete_training'];

function Review({ a, reload }: { a: Application; reload: () => void }) {
  const [msg, setMsg] = useState<string | undefined>();
  const lc = useLoad(
    () => api<{ allowedEvents: string[] }>(`/v1/operators/${encodeURIComponent(a.operator)}/lifecycle`),
    `lc-${a.operator}`,
  );
  const move = async (type: string) => {
    try {
      await api(`/v1/operators/${encodeURIComponent(a.operator)}/transitions`, {
        method: 'POST',
        body:
          type === 'reject'
            ? { event: { type, reason: 'other' }, reason: 'rejected from the console' }
            : { event: { type }, reason: 'from the console' },
      });
      setMsg(`${type.replaceAll('_', ' ')}: done`);
      reload();
    } catch (e) {
      setMsg((e as Error).message);
    }
  };
  const allowed = (lc.data?.allowedEvents ?? []).filter((e) => SIMPLE.includes(e) || e === 'reject');
  return html`<td>${allowed.map((e) => html`<button type="button" class=${e === 'reject' ? 'secondary' : ''} data-action=${e} onClick=${() => move(e)}>${e.replaceAll('_', ' ')}<span class="sr-only"> ${a.operator}</span></button> `)}
    ${msg ? html`<span role="status">${msg}</span>` : null}</td>`;
}

export function Queue({ session }: { session: Session }) {
  const q = useLoad(() => api<Application[]>('/v1/applications'), 'queue');
  return html`<${Failed} error=${q.error} />${q.loading && !q.data ? html`<${Loading} what="the queue" />` : null}
    ${
      q.data
        ? q.data.length
          ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Applications"><table data-table="applications">
        <caption class="sr-only">Applications in review</caption>
        <thead><tr><th scope="col">Applicant</th><th scope="col">State</th><th scope="col">Region</th><th scope="col">Partner</th><th scope="col">Submitted</th><th scope="col">Notes</th>${isLead(session) ? html`<th scope="col">Move</th>` : null}</tr></thead>
        <tbody>${q.data.map((a) => html`<tr data-application=${a.id}><th scope="row">${a.operator}<br /><span class="muted">${a.email}</span></th><td>${a.state}</td><td>${a.region}</td><td>${a.partner ?? '—'}</td><td>${when(a.submittedAt)}</td><td>${a.notes.map((n) => html`<div>${n.message}</div>`)}</td>${isLead(session) ? html`<${Review} a=${a} reload=${q.reload} />` : null}</tr>`)}</tbody>
      </table></div>`
          : html`<p>No application in review.</p>`
        : null
    }`;
}

export default function Applications({ params, session }: { params: Record<string, string>; session: Session }) {
  if (params.mode === 'apply')
    return html`<h1 tabindex="-1">Apply to run nodes</h1><p>Operators run nodes of the fleet and are paid by measured uptime. Fields are required unless marked optional.</p><${ApplyForm} />`;
  return html`<h1 tabindex="-1">Applications</h1><p><a href="/apply">The public application form</a></p><${Queue} session=${session} />`;
}
