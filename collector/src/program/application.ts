/**
 * The operator application: the program's application form as structured data, and its validation.
 * `applicationProblems` lists every problem with its path and a stable code; an application without
 * problems is what the review queue holds. Strings are bounded and may hold no NUL byte or lone
 * surrogate. Answers a reviewer weighs (an OS other than the preferred one, no static IP) are not
 * problems: `applicationNotes` lists them for the review.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DayId } from '../pay/statement.ts';
import { dayProblems, problemChecker, type ProgramProblem } from './problems.ts';
import { literals, strict } from './schema.ts';

const Text = (maxLength: number, minLength = 1) => Type.String({ minLength, maxLength });
const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' });

export const SKILLS = ['linux_admin', 'git', 'containers', 'ai_agent_frameworks', 'vps_fleet_management'] as const;
export const SUPPORT_HOURS = ['always', 'business_hours', 'on_call'] as const;

export const Reference = Type.Object(
  {
    name: Text(200),
    contact: Text(254),
    relationship: Text(200),
    /** A past customer or fleet (`fleet`), or someone who knows their technical work (`technical`). */
    kind: literals(['fleet', 'technical'] as const),
  },
  strict,
);
export type Reference = Static<typeof Reference>;

export const OperatorApplication = Type.Object(
  {
    applicant: Type.Object(
      {
        fullName: Text(200),
        /** The name they go by in the fleet's chats. */
        handle: Type.Optional(Text(64)),
        email: Email,
        phone: Type.Optional(Type.String({ minLength: 4, maxLength: 32, pattern: '^\\+?[0-9 ()./-]+$' })),
        chat: Type.Optional(Type.Object({ telegram: Type.Optional(Text(64)), discord: Type.Optional(Text(64)) }, strict)),
        /** Where pay goes (a USDC / USDT address, or a bank reference). */
        payoutAddress: Type.Optional(Text(128)),
        /** Their GitHub / Gitea / LinkedIn handle or page. */
        profile: Type.Optional(Text(300)),
      },
      strict,
    ),
    location: Type.Object(
      {
        city: Type.Optional(Text(100)),
        /** ISO 3166-1 alpha-2. */
        country: Type.String({ pattern: '^[A-Z]{2}$' }),
        /** The fleet region they will serve (`eu-central`, `us-east`, ...). */
        region: Type.String({ minLength: 2, maxLength: 32, pattern: '^[a-z][a-z0-9-]*$' }),
        /** An IANA time zone (`Europe/Berlin`, `UTC`). */
        timezone: Text(64),
      },
      strict,
    ),
    experience: Type.Object(
      {
        linuxAdminYears: Type.Integer({ minimum: 0, maximum: 60 }),
        skills: Type.Array(literals(SKILLS), { maxItems: SKILLS.length, uniqueItems: true }),
        /** Their background with fleet operations, system administration or AI agents. */
        summary: Text(4000, 20),
        /** Uptime they achieved over the past 12 months, if they ran servers. */
        pastUptimePct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
      },
      strict,
    ),
    server: Type.Object(
      {
        provider: Text(100),
        /** The provider's datacenter or region name. */
        datacenter: Text(100),
        vcpus: Type.Integer({ minimum: 1, maximum: 1024 }),
        ramGb: Type.Integer({ minimum: 1, maximum: 16384 }),
        storageGb: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
        storageType: literals(['ssd', 'nvme', 'hdd'] as const),
        /** The operating system and version (`Ubuntu 22.04`). */
        os: Text(100),
        staticIp: Type.Boolean(),
        bandwidthTb: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000 })),
        /** How many nodes they can run (the program's maximum is 10 per operator). */
        nodes: Type.Integer({ minimum: 1, maximum: 10 }),
      },
      strict,
    ),
    availability: Type.Object(
      {
        startDate: DayId,
        hoursPerWeek: Type.Integer({ minimum: 1, maximum: 168 }),
        supportHours: literals(SUPPORT_HOURS),
        onCall: Type.Boolean(),
        /** How long they commit to the program. */
        commitmentMonths: Type.Union([Type.Literal(6), Type.Literal(12), Type.Literal(24)]),
      },
      strict,
    ),
    commitments: Type.Object(
      {
        /** They can keep monthly uptime above the program's target (99.5 %). */
        uptimeTarget: Type.Boolean(),
        /** They will give 30 days' notice before leaving. */
        exitNotice: Type.Boolean(),
        /** No user data leaves the node: the program's sovereignty principles. */
        sovereignty: Type.Boolean(),
        /** They will complete the training programme. */
        training: Type.Boolean(),
      },
      strict,
    ),
    references: Type.Array(Reference, { minItems: 1, maxItems: 5 }),
    /** Why they want to join (the form asks for at most 500 words). */
    motivation: Type.Optional(Text(4000)),
    agreement: Type.Object(
      {
        /** They certify that everything in the application is accurate and complete. */
        accurate: Type.Literal(true),
        /** Their name, typed. */
        signature: Text(200),
        signedOn: DayId,
      },
      strict,
    ),
    /** The partner who referred them, by the partner's code. */
    referralCode: Type.Optional(Type.String({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  strict,
);
export type OperatorApplication = Static<typeof OperatorApplication>;

export interface ServerMinimum {
  vcpus: number;
  ramGb: number;
  storageGb: number;
  /** Storage types that qualify. */
  storageTypes: ReadonlyArray<OperatorApplication['server']['storageType']>;
}
/** The node the program asks for: 2 vCPU, 4 GB RAM, 50 GB SSD. */
export const DEFAULT_SERVER_MINIMUM: ServerMinimum = { vcpus: 2, ramGb: 4, storageGb: 50, storageTypes: ['ssd', 'nvme'] };
export const PREFERRED_OS = /^ubuntu\s+22\.04\b/i;

const schema = problemChecker(OperatorApplication);

function timezoneKnown(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** `raw.a.b.c`, or undefined when any step is not an object. */
const get = (raw: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), raw);

/**
 * What the schema cannot say: real dates, a known time zone, the server minimum. Checked on whatever
 * parts are well-typed, so these are listed together with the schema's problems.
 */
function factProblems(raw: unknown, min: ServerMinimum): ProgramProblem[] {
  const out: ProgramProblem[] = [];
  for (const [section, field] of [
    ['availability', 'startDate'],
    ['agreement', 'signedOn'],
  ] as const) {
    const day = get(raw, section, field);
    if (typeof day === 'string' && new RegExp(DayId.pattern!).test(day)) out.push(...dayProblems(day, `${section}.${field}`));
  }
  const tz = get(raw, 'location', 'timezone');
  if (typeof tz === 'string' && !timezoneKnown(tz))
    out.push({ path: 'location.timezone', code: 'unknown_timezone', message: `${tz} is not an IANA time zone (Europe/Berlin, UTC, ...)` });
  const below = (field: string, need: number, unit: string) => {
    const got = get(raw, 'server', field);
    if (typeof got === 'number' && got < need)
      out.push({ path: `server.${field}`, code: 'below_minimum', message: `${got} ${unit}: a node needs at least ${need} ${unit}` });
  };
  below('vcpus', min.vcpus, 'vCPU');
  below('ramGb', min.ramGb, 'GB of RAM');
  below('storageGb', min.storageGb, 'GB of storage');
  const storage = get(raw, 'server', 'storageType');
  if (typeof storage === 'string' && !(min.storageTypes as readonly string[]).includes(storage))
    out.push({
      path: 'server.storageType',
      code: 'below_minimum',
      message: `${storage}: a node needs ${min.storageTypes.join(' or ')} storage`,
    });
  return out;
}

/** Every problem with a submitted application (empty: acceptable). */
export function applicationProblems(raw: unknown, minimum: ServerMinimum = DEFAULT_SERVER_MINIMUM): ProgramProblem[] {
  const shape = schema.problems(raw);
  const taken = new Set(shape.map((p) => p.path));
  return [...shape, ...factProblems(raw, minimum).filter((p) => !taken.has(p.path))];
}

/** Answers a reviewer should look at; none of them refuses the application. */
export function applicationNotes(app: OperatorApplication): ProgramProblem[] {
  const notes: ProgramProblem[] = [];
  if (!PREFERRED_OS.test(app.server.os))
    notes.push({ path: 'server.os', code: 'os_not_preferred', message: `${app.server.os}: Ubuntu 22.04 LTS is preferred` });
  if (!app.server.staticIp) notes.push({ path: 'server.staticIp', code: 'no_static_ip', message: 'no static IP address' });
  const declined = (['uptimeTarget', 'exitNotice', 'sovereignty', 'training'] as const).filter((k) => !app.commitments[k]);
  for (const k of declined) notes.push({ path: `commitments.${k}`, code: 'commitment_declined', message: `answered no to ${k}` });
  return notes;
}
