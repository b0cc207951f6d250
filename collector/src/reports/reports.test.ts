import { describe, expect, it } from 'vitest';
import { openIncident, type Incident } from '../alerts/incidents.ts';
import { render, renderCsv, renderMarkdown, type ReportDoc } from './document.ts';
import type { NodeRecord, ProgramInput } from './input.ts';
import { monthlyProgramReport } from './monthly-program.ts';
import { parsePeriod, periodAt, previousPeriod } from './period.ts';
import { REPORT_KINDS } from './registry.ts';
import { weeklyFleetReport } from './weekly-fleet.ts';

const H = 3_600_000;
const W48 = parsePeriod('week', '2026-W48')!;
const NOV = parsePeriod('month', '2026-11')!;

describe('periods (UTC)', () => {
  it.each([
    ['week', Date.UTC(2026, 10, 25, 12), '2026-W48', Date.UTC(2026, 10, 23), Date.UTC(2026, 10, 30)],
    // 2026 starts on a Thursday: its week 1 starts on 29 December 2025, and it has 53 weeks.
    ['week', Date.UTC(2025, 11, 31), '2026-W01', Date.UTC(2025, 11, 29), Date.UTC(2026, 0, 5)],
    ['week', Date.UTC(2027, 0, 1), '2026-W53', Date.UTC(2026, 11, 28), Date.UTC(2027, 0, 4)],
    ['month', Date.UTC(2026, 1, 28, 23, 59), '2026-02', Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1)],
  ] as const)('%s at %d is %s', (cadence, t, id, start, end) => {
    expect(periodAt(cadence, t)).toEqual({ cadence, id, start, end });
    expect(parsePeriod(cadence, id)).toEqual({ cadence, id, start, end });
  });

  it('a schedule firing Monday 00:05 / the 1st 00:10 reports on the period just finished', () => {
    expect(previousPeriod('week', Date.UTC(2026, 10, 30, 0, 5)).id).toBe('2026-W48');
    expect(previousPeriod('month', Date.UTC(2026, 11, 1, 0, 10)).id).toBe('2026-11');
    expect(previousPeriod('month', Date.UTC(2027, 0, 1, 0, 10)).id).toBe('2026-12');
  });

  it.each([
    ['week', '2025-W53'],
    ['week', '2026-W00'],
    ['week', '2026-48'],
    ['month', '2026-13'],
    ['month', '2026-W48'],
  ] as const)('%s %s is refused', (cadence, s) => expect(parsePeriod(cadence, s)).toBeNull());
});

const node = (name: string, operator: string | null, upH: number, downH: number, usage: NodeRecord['usage'], unknownH = 0): NodeRecord => ({
  id: name,
  name,
  operator,
  tier: operator ? 'certified' : null,
  region: 'eu',
  totals: { upMs: upH * H, downMs: downH * H, unknownMs: unknownH * H, maintenanceMs: 0 },
  usage,
});
const NONE = { load1Avg: null, memPctAvg: null, diskPctMax: null };
const NODES = [
  node('a1', 'alice', 99, 1, { load1Avg: 0.5, memPctAvg: 40, diskPctMax: 70 }),
  // Unknown time is not counted in uptime.
  node('a2', 'alice', 100, 0, { load1Avg: 1.5, memPctAvg: 60, diskPctMax: 80 }, 5),
  node('b1', 'bob', 0, 0, NONE),
];

function incident(id: string, severity: Incident['severity'], nodes: string[], opened: number, o: Partial<Incident> = {}): Incident {
  const group = {
    key: id,
    severity,
    scope: { type: 'node' as const, id: nodes[0]! },
    nodeIds: nodes,
    operatorIds: ['alice'],
    regions: ['eu'],
    alertKeys: [],
    flapping: false,
    summary: id,
  };
  return { ...openIncident(id, group, opened), ...o };
}
const mon = W48.start;
const INCIDENTS = [
  incident('i1', 'P1', ['a1'], mon + 10 * H, {
    acknowledgedAt: mon + 10.5 * H,
    resolvedAt: mon + 12 * H,
    status: 'resolved',
    cause: 'disk full',
    resolution: 'logs rotated',
  }),
  incident('i2', 'P2', ['a1', 'a2'], mon + 24 * H, { resolvedAt: mon + 30 * H, status: 'resolved' }),
  // Absorbed into another incident, and opened the week before: neither counts.
  incident('i3', 'P2', ['a2'], mon + 25 * H, { absorbedInto: 'i2', resolvedAt: mon + 26 * H }),
  incident('i4', 'P1', ['a1'], mon - 2 * H),
];

const section = (doc: ReportDoc, heading: string) => doc.sections.find((s) => s.heading === heading)!;
const fact = (doc: ReportDoc, heading: string, name: string) => section(doc, heading).facts!.find(([k]) => k === name)?.[1];

describe('weekly fleet report', () => {
  const doc = weeklyFleetReport({ nodes: NODES, incidents: INCIDENTS }, W48);

  it('fleet figures: uptime 199 h up / 200 h counted = 99.5 %; 2 incidents; MTTA 0.5 h (one acknowledged); MTTR (2 h + 6 h) / 2 = 4 h', () => {
    expect(fact(doc, 'Fleet', 'Fleet uptime %')).toBe(99.5);
    expect(fact(doc, 'Fleet', 'Incidents')).toBe(2);
    expect(fact(doc, 'Fleet', 'Incidents P1')).toBe(1);
    expect(fact(doc, 'Fleet', 'Incidents P2')).toBe(1);
    expect(fact(doc, 'Fleet', 'MTTA (h)')).toBe(0.5);
    expect(fact(doc, 'Fleet', 'MTTR (h)')).toBe(4);
  });

  it('per node: uptime, downtime, incidents touching it, resource use', () => {
    expect(section(doc, 'Nodes').table!.rows).toEqual([
      ['a1', 'alice', 'certified', 99, 1, 2, 0.5, 40, 70],
      ['a2', 'alice', 'certified', 100, 0, 1, 1.5, 60, 80],
      ['b1', 'bob', 'certified', null, 0, 0, null, null, null],
    ]);
  });

  it('per operator: totals summed, load and memory averaged over nodes, disk at its maximum', () => {
    expect(section(doc, 'Operators').table!.rows).toEqual([
      ['alice', 2, 99.5, 1, 2, 1, 50, 80],
      ['bob', 1, null, 0, 0, null, null, null],
    ]);
  });
});

const PROGRAM: ProgramInput = {
  nodes: NODES,
  incidents: INCIDENTS,
  operators: [
    { name: 'alice', tier: 'certified', state: 'certified', servingAtStart: true, leftInPeriod: false },
    { name: 'bob', tier: 'senior', state: 'senior', servingAtStart: true, leftInPeriod: false },
    { name: 'carol', tier: 'senior', state: 'senior', servingAtStart: true, leftInPeriod: false },
    { name: 'dave', tier: 'certified', state: 'probation', servingAtStart: false, leftInPeriod: false },
    { name: 'erin', tier: 'certified', state: 'terminated', servingAtStart: true, leftInPeriod: true },
  ],
  applications: [
    { submittedAt: NOV.start + H, partner: 'acme' },
    { submittedAt: NOV.start + 2 * H, partner: 'acme' },
    { submittedAt: NOV.start + 3 * H, partner: null },
    { submittedAt: NOV.end - 1, partner: null },
    { submittedAt: NOV.start - 1, partner: 'acme' },
  ],
  referrals: [
    { partner: 'acme', operator: 'dave', state: 'probation', referredAt: NOV.start + H },
    { partner: 'acme', operator: 'old', state: 'certified', referredAt: NOV.start - H },
  ],
  payouts: {
    final: false,
    currency: 'USD',
    lines: [
      { kind: 'base', amountCents: 10_000 },
      { kind: 'uptime_bonus', amountCents: 2_000 },
      { kind: 'base', amountCents: 5_000 },
      { kind: 'referral', amountCents: 25_000 },
    ],
  },
};

describe('monthly program report', () => {
  const doc = monthlyProgramReport(PROGRAM, NOV);

  it('node inventory with uptime and the issues touching each node (a1: i4, i1, i2)', () => {
    expect(section(doc, 'Node inventory').table!.rows).toEqual([
      ['a1', 'alice', 'certified', 'eu', 99, 1, 3],
      ['a2', 'alice', 'certified', 'eu', 100, 0, 1],
      ['b1', 'bob', 'certified', 'eu', null, 0, 0],
    ]);
  });

  it('incident log in date order: date, severity, nodes, duration, cause, resolution (absorbed ones left out)', () => {
    expect(section(doc, 'Incident log').table!.rows).toEqual([
      ['2026-11-22', 'P1', 'a1', 'open', null, null],
      ['2026-11-23', 'P1', 'a1', 2, 'disk full', 'logs rotated'],
      ['2026-11-24', 'P2', 'a1 a2', 6, null, null],
    ]);
  });

  it('MTTR per severity: P1 2 h (the open one not counted), P2 6 h', () => {
    const rows = section(doc, 'MTTR per severity').table!.rows;
    expect(rows.find((r) => r[0] === 'P1')).toEqual(['P1', 2, 1, 0.5, 2]);
    expect(rows.find((r) => r[0] === 'P2')).toEqual(['P2', 1, 1, null, 6]);
  });

  it('active certified operators by tier (probation and terminated left out)', () => {
    expect(section(doc, 'Active operators by tier').table!.rows).toEqual([
      ['certified', 1],
      ['senior', 2],
    ]);
  });

  it('payouts by category, summed, from the estimate while the month is open', () => {
    expect(section(doc, 'Payouts by category').table!.rows).toEqual([
      ['base', '150.00'],
      ['referral', '250.00'],
      ['uptime_bonus', '20.00'],
      ['total', '420.00'],
    ]);
    expect(fact(doc, 'Payouts by category', 'Source')).toBe('estimate (month not closed)');
    const closed = monthlyProgramReport({ ...PROGRAM, payouts: { ...PROGRAM.payouts, final: true } }, NOV);
    expect(fact(closed, 'Payouts by category', 'Source')).toBe('closed statements');
  });

  it('referral activity: the month’s referrals; 2 of 4 applications through a partner', () => {
    expect(section(doc, 'Referral activity').table!.rows).toEqual([['2026-11-01', 'acme', 'dave', 'probation']]);
    expect(fact(doc, 'Referral activity', 'Applications')).toBe(4);
    expect(fact(doc, 'Referral activity', 'Through a partner')).toBe(2);
  });

  it('targets: 3 certified (met), churn 1/4 a month = 300 %/year (missed), uptime 99.5 not above 99.5 (missed), partner leads 50 % (met)', () => {
    expect(section(doc, 'Targets against actuals').table!.rows).toEqual([
      ['Active certified operators', '3-5', 3, 'met'],
      ['Annual churn %', '< 10', 300, 'missed'],
      ['Fleet uptime %', '> 99.5', 99.5, 'missed'],
      ['Partner share of new leads %', '> 30', 50, 'met'],
    ]);
  });

  it('without data the targets say so rather than pass or fail', () => {
    const empty = monthlyProgramReport({ ...PROGRAM, nodes: [], operators: [], applications: [] }, NOV);
    expect(section(empty, 'Targets against actuals').table!.rows.map((r) => r[3])).toEqual(['missed', 'no data', 'no data', 'no data']);
  });
});

describe('renderers', () => {
  const doc: ReportDoc = {
    kind: 'k',
    title: 'T',
    period: { id: '2026-11', start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
    sections: [
      {
        heading: 'S',
        facts: [['n', 1]],
        table: {
          columns: ['a', 'b'],
          rows: [
            ['x|y', null],
            ['with, "comma"', 2],
          ],
        },
      },
    ],
  };

  it('Markdown: facts as a list, tables with escaped pipes, null as a dash', () => {
    expect(renderMarkdown(doc)).toBe(
      '# T\n\nPeriod: 2026-11 (2026-11-01T00:00:00.000Z to 2026-12-01T00:00:00.000Z, UTC)\n\n## S\n\n- n: 1\n\n| a | b |\n|---|---|\n| x\\|y | — |\n| with, "comma" | 2 |\n',
    );
  });

  it('CSV: the facts, then each table under its header, quoted where needed', () => {
    expect(renderCsv(doc)).toBe(
      'section,figure,value\nreport,kind,k\nreport,period,2026-11\nS,n,1\n\nsection,a,b\nS,x|y,\nS,"with, ""comma""",2\n',
    );
  });

  it('JSON gives the document back', () => {
    expect(JSON.parse(render(doc, 'json'))).toEqual(doc);
  });

  it('every registered kind renders in every format', () => {
    for (const [name, k] of Object.entries(REPORT_KINDS)) {
      const p = periodAt(k.cadence, NOV.start);
      const d = k.build(PROGRAM, p);
      expect(d.kind).toBe(name);
      expect(renderMarkdown(d)).toContain(`Period: ${p.id}`);
    }
  });
});
