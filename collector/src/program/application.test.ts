import { describe, expect, it } from 'vitest';
import { applicationNotes, applicationProblems, type OperatorApplication } from './application.ts';
import { sampleApplication } from './testkit.ts';

const valid = (): OperatorApplication => sampleApplication();

/** A valid application with `edit` applied to a copy. */
const withEdit = (edit: (a: Record<string, any>) => void): unknown => {
  const a = structuredClone(valid()) as Record<string, any>;
  edit(a);
  return a;
};

describe('applicationProblems', () => {
  it('the sample application has none, and no referral code is fine too', () => {
    expect(applicationProblems(valid())).toEqual([]);
    expect(applicationProblems(withEdit((a) => delete a.referralCode))).toEqual([]);
  });

  it.each([
    ['name missing', (a: any) => delete a.applicant.fullName, [['applicant.fullName', 'missing']]],
    ['empty name', (a: any) => (a.applicant.fullName = ''), [['applicant.fullName', 'too_short']]],
    ['name of 201 characters', (a: any) => (a.applicant.fullName = 'x'.repeat(201)), [['applicant.fullName', 'too_long']]],
    [
      'NUL byte in the summary',
      (a: any) => (a.experience.summary = 'twenty characters\u0000 and more'),
      [['experience.summary', 'nul_byte']],
    ],
    [
      'lone surrogate in a reference',
      (a: any) => (a.references[0].contact = 'jo\uD83D@example.org'),
      [['references[0].contact', 'lone_surrogate']],
    ],
    ['a real surrogate pair (emoji) is fine', (a: any) => (a.motivation = 'Uptime 🚀 matters'), []],
    [
      'NUL byte in a field name',
      (a: any) => (a.applicant['bad\u0000key'] = 'x'),
      [
        ['applicant.bad\uFFFDkey', 'nul_byte'],
        ['applicant.bad\u0000key', 'unknown_field'],
      ],
    ],
    ['an email without a domain', (a: any) => (a.applicant.email = 'amara@'), [['applicant.email', 'bad_format']]],
    ['a lower-case country', (a: any) => (a.location.country = 'de'), [['location.country', 'bad_format']]],
    ['an unknown time zone', (a: any) => (a.location.timezone = 'Mars/Olympus'), [['location.timezone', 'unknown_timezone']]],
    ['1 vCPU', (a: any) => (a.server.vcpus = 1), [['server.vcpus', 'below_minimum']]],
    [
      '2 GB RAM, 40 GB disk on HDD',
      (a: any) => Object.assign(a.server, { ramGb: 2, storageGb: 40, storageType: 'hdd' }),
      [
        ['server.ramGb', 'below_minimum'],
        ['server.storageGb', 'below_minimum'],
        ['server.storageType', 'below_minimum'],
      ],
    ],
    ['11 nodes', (a: any) => (a.server.nodes = 11), [['server.nodes', 'out_of_range']]],
    ['an unknown skill', (a: any) => a.experience.skills.push('kubernetes'), [['experience.skills[3]', 'not_allowed']]],
    ['a skill twice', (a: any) => a.experience.skills.push('git'), [['experience.skills', 'duplicate']]],
    ['no references', (a: any) => (a.references = []), [['references', 'too_few']]],
    ['a 36-month commitment', (a: any) => (a.availability.commitmentMonths = 36), [['availability.commitmentMonths', 'not_allowed']]],
    ['February 30', (a: any) => (a.availability.startDate = '2027-02-30'), [['availability.startDate', 'bad_format']]],
    ['the agreement not accepted', (a: any) => (a.agreement.accurate = false), [['agreement.accurate', 'not_allowed']]],
    ['hours per week as text', (a: any) => (a.availability.hoursPerWeek = '20'), [['availability.hoursPerWeek', 'wrong_type']]],
    ['an unknown field', (a: any) => (a.salary = 1), [['salary', 'unknown_field']]],
    ['a referral code with a space', (a: any) => (a.referralCode = 'PARTNER 7'), [['referralCode', 'bad_format']]],
  ])('%s', (_name, edit, expected) => {
    expect(applicationProblems(withEdit(edit)).map((p) => [p.path, p.code])).toEqual(expected);
  });

  it('lists every problem at once: schema and facts together', () => {
    const raw = withEdit((a) => {
      delete a.applicant.email;
      a.location.timezone = 'Nowhere/Atlantis';
      a.server.vcpus = 1;
      a.references[0].contact = 'x\u0000';
      a.agreement.signedOn = '2027-13-01';
    });
    expect(
      applicationProblems(raw)
        .map((p) => `${p.path}:${p.code}`)
        .sort(),
    ).toEqual(
      [
        'agreement.signedOn:bad_format',
        'applicant.email:missing',
        'location.timezone:unknown_timezone',
        'references[0].contact:nul_byte',
        'server.vcpus:below_minimum',
      ].sort(),
    );
  });

  it('the server minimum is a parameter', () => {
    const raw = withEdit((a) => (a.server.ramGb = 6));
    expect(applicationProblems(raw, { vcpus: 2, ramGb: 8, storageGb: 50, storageTypes: ['nvme'] }).map((p) => [p.path, p.code])).toEqual([
      ['server.ramGb', 'below_minimum'],
      ['server.storageType', 'below_minimum'],
    ]);
  });

  it.each([null, 'text', [], 42])('not an object (%j): one problem at the root', (raw) => {
    expect(applicationProblems(raw).map((p) => p.path)).toEqual(['(root)']);
  });
});

describe('applicationNotes', () => {
  it.each([
    ['the preferred setup', {}, []],
    ['Debian 12', { os: 'Debian 12' }, [['server.os', 'os_not_preferred']]],
    ['Ubuntu 24.04', { os: 'Ubuntu 24.04 LTS' }, [['server.os', 'os_not_preferred']]],
    ['ubuntu 22.04.4 in lower case', { os: 'ubuntu 22.04.4' }, []],
    ['no static IP', { staticIp: false }, [['server.staticIp', 'no_static_ip']]],
  ])('%s', (_name, server, expected) => {
    const app = valid();
    Object.assign(app.server, server);
    expect(applicationNotes(app).map((n) => [n.path, n.code])).toEqual(expected);
  });

  it('a declined commitment is a note, not a problem', () => {
    const app = valid();
    app.commitments.exitNotice = false;
    expect(applicationProblems(app)).toEqual([]);
    expect(applicationNotes(app).map((n) => n.code)).toEqual(['commitment_declined']);
  });
});
