/**
 * The operator program's CLI commands (people and their tokens), merged into cli.ts's command table.
 * They run the same services as the API, directly against the database.
 */
import { userInfo } from 'node:os';
import type postgres from 'postgres';
import type { Config } from './config.ts';

type WithSql = <T>(config: Config, fn: (sql: postgres.Sql) => Promise<T>) => Promise<T>;
interface Values {
  role?: string;
  operator?: string;
  partner?: string;
  email?: string;
  label?: string;
  'ttl-days'?: string;
  person?: string;
}

export const PROGRAM_HELP = `  person add <name> --role R [--operator O | --partner P] [--email E]
                                         add a person (R: admin, fleet_lead, finance, operator, partner)
  person list                            every person and their role
  token issue <person> [--ttl-days N] [--label L]
                                         a person token (tfp_…), printed once; default 90 days
  token list [--person P]                tokens: prefix, role, expiry, revocation, last use (never the token)
  token revoke <id>                      revoke a token at once`;

export const PROGRAM_OPTIONS = {
  role: { type: 'string' },
  partner: { type: 'string' },
  email: { type: 'string' },
  label: { type: 'string' },
  'ttl-days': { type: 'string' },
  person: { type: 'string' },
} as const;

const by = () => `cli:${userInfo().username}`;
const iso = (d: Date | null) => (d === null ? '-' : d.toISOString());

async function people(sql: postgres.Sql) {
  const { createProgramServices } = await import('./services/program.ts');
  return createProgramServices(sql).people;
}

export function programCommands(withSql: WithSql) {
  return {
    person: {
      usage: 'person add <name> --role R [--operator O | --partner P] | person list',
      valid: (sub: string | undefined, arg: string | undefined, v: Values) => sub === 'list' || (sub === 'add' && !!arg && !!v.role),
      run: (config: Config, sub: string | undefined, arg: string | undefined, v: Values) =>
        withSql(config, async (sql) => {
          const svc = await people(sql);
          if (sub === 'list') {
            for (const p of await svc.people.list())
              console.log(
                `${String(p.id).padStart(5)}  ${p.name.padEnd(24)} ${p.role.padEnd(10)} ${p.operatorName ?? p.partnerName ?? ''}`,
              );
            return 0;
          }
          const { PERSON_ROLES } = await import('./program/index.ts');
          const role = PERSON_ROLES.find((r) => r === v.role);
          if (!role) throw Object.assign(new Error(`--role must be one of ${PERSON_ROLES.join(', ')}`), { code: 'FLEET_BAD_REQUEST' });
          const p = await svc.add(
            {
              name: arg!,
              role,
              ...(v.email ? { email: v.email } : {}),
              ...(v.operator ? { operator: v.operator } : {}),
              ...(v.partner ? { partner: v.partner } : {}),
            },
            by(),
            Date.now(),
          );
          console.log(`added ${p.role} "${p.name}" (id ${p.id})`);
          return 0;
        }),
    },
    token: {
      usage: 'token issue <person> [--ttl-days N] [--label L] | token list [--person P] | token revoke <id>',
      valid: (sub: string | undefined, arg: string | undefined, v: Values) =>
        sub === 'list' ||
        (sub === 'issue' && !!arg && (v['ttl-days'] === undefined || /^[1-9][0-9]{0,2}$/.test(v['ttl-days']))) ||
        (sub === 'revoke' && !!arg && /^[0-9]{1,9}$/.test(arg)),
      run: (config: Config, sub: string | undefined, arg: string | undefined, v: Values) =>
        withSql(config, async (sql) => {
          const svc = await people(sql);
          const now = Date.now();
          if (sub === 'issue') {
            const r = await svc.issueToken(
              arg!,
              { ...(v['ttl-days'] ? { ttlDays: Number(v['ttl-days']) } : {}), ...(v.label ? { label: v.label } : {}) },
              by(),
              now,
            );
            console.log(
              `token ${r.row.id} for ${r.row.personName} (${r.row.role}), expires ${iso(r.row.expiresAt)}; shown once:\n${r.token}`,
            );
            return 0;
          }
          if (sub === 'revoke') {
            const r = await svc.revokeToken(Number(arg), by(), now);
            console.log(r.changed ? `revoked token ${arg}` : `token ${arg} was revoked already (${iso(r.row.revokedAt)})`);
            return 0;
          }
          for (const t of await svc.listTokens(v.person))
            console.log(
              `${String(t.id).padStart(5)}  ${t.displayPrefix}…  ${t.personName.padEnd(20)} ${t.role.padEnd(10)} expires ${iso(t.expiresAt)}  revoked ${iso(t.revokedAt)}  last used ${iso(t.lastUsedAt)}`,
            );
          return 0;
        }),
    },
  };
}
