/** Test helpers: a sample application. Used by the tests only. */
import type { OperatorApplication } from './application.ts';

/** A valid application, every optional field given (the preferred OS, all commitments); `edit` changes it before it is returned. */
export function sampleApplication(edit: (a: OperatorApplication) => void = () => {}): OperatorApplication {
  const a: OperatorApplication = {
    applicant: {
      fullName: 'Amara Okafor',
      handle: 'amara',
      email: 'amara@example.org',
      phone: '+49 30 1234567',
      chat: { telegram: '@amara' },
      profile: 'https://git.example.org/amara',
    },
    location: { city: 'Berlin', country: 'DE', region: 'eu-central', timezone: 'Europe/Berlin' },
    experience: {
      linuxAdminYears: 6,
      skills: ['linux_admin', 'git', 'containers'],
      summary: 'Ran a 40-server hosting fleet for four years.',
      pastUptimePct: 99.92,
    },
    server: {
      provider: 'Hetzner',
      datacenter: 'fsn1',
      vcpus: 2,
      ramGb: 4,
      storageGb: 50,
      storageType: 'ssd',
      os: 'Ubuntu 22.04 LTS',
      staticIp: true,
      nodes: 3,
    },
    availability: { startDate: '2027-05-01', hoursPerWeek: 20, supportHours: 'on_call', onCall: true, commitmentMonths: 12 },
    commitments: { uptimeTarget: true, exitNotice: true, sovereignty: true, training: true },
    references: [{ name: 'Jo Smith', contact: 'jo@example.org', relationship: 'former lead', kind: 'fleet' }],
    motivation: 'I want to run reliable agent infrastructure.',
    agreement: { accurate: true, signature: 'Amara Okafor', signedOn: '2027-04-02' },
    referralCode: 'PARTNER-7',
  };
  edit(a);
  return a;
}
