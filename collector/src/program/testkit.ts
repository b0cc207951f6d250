/** For tests: a valid operator application (the seeds' template as structured data), as the API takes it. */
import type { OperatorApplication } from './application.ts';

export const sampleApplication = (extra: Partial<OperatorApplication> = {}): OperatorApplication => ({
  applicant: { fullName: 'Amara Okafor', handle: 'amara', email: 'amara@example.org' },
  location: { city: 'Berlin', country: 'DE', region: 'eu-central', timezone: 'Europe/Berlin' },
  experience: { linuxAdminYears: 6, skills: ['linux_admin', 'git'], summary: 'Ran a 40-server hosting fleet for four years.' },
  server: {
    provider: 'Hetzner',
    datacenter: 'fsn1',
    vcpus: 2,
    ramGb: 4,
    storageGb: 50,
    storageType: 'ssd',
    os: 'Debian 12',
    staticIp: true,
    nodes: 3,
  },
  availability: { startDate: '2027-05-01', hoursPerWeek: 20, supportHours: 'on_call', onCall: true, commitmentMonths: 12 },
  commitments: { uptimeTarget: true, exitNotice: true, sovereignty: true, training: true },
  references: [{ name: 'Jo Smith', contact: 'jo@example.org', relationship: 'former lead', kind: 'fleet' }],
  agreement: { accurate: true, signature: 'Amara Okafor', signedOn: '2027-03-30' },
  ...extra,
});
