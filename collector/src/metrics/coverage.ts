/**
 * Region coverage on /metrics, computed at scrape time from the database (program/coverage.ts): the
 * active operators of each region, its requirement, and 1 while it is below it ("coverage at risk").
 */
import type { ProgramOperators } from '../services/program-operators.ts';
import { Exposition, gaugeFamily } from './exposition.ts';
import type { Metrics } from './registry.ts';

const active = gaugeFamily('timmy_region_active_operators', 'Operators in a serving state (probation through fleet lead) per region.', [
  'region',
]);
const required = gaugeFamily('timmy_region_required_operators', 'Active operators a region needs.', ['region']);
const atRisk = gaugeFamily('timmy_region_coverage_at_risk', '1 while the region has fewer active operators than it needs.', ['region']);

export function registerCoverageGauges(metrics: Metrics, program: Pick<ProgramOperators, 'coverage'>): void {
  metrics.addSource(async () => {
    const out = new Exposition([active, required, atRisk]);
    for (const r of await program.coverage()) {
      out.set(active, { region: r.region }, r.active);
      out.set(required, { region: r.region }, r.required);
      out.set(atRisk, { region: r.region }, r.atRisk ? 1 : 0);
    }
    return out.text();
  });
}
