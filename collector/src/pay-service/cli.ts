/**
 * The collector CLI's pay commands (`node collector/src/cli.ts month close 2027-04`, ...). Loaded by
 * cli.ts; like every command there, each loads what it needs only when it runs, and
 * `statement verify --bundle FILE` needs no database at all.
 */
import type postgres from 'postgres';
import type { Config } from '../config.ts';

type Values = Record<string, string | boolean | undefined>;
interface PayCommand {
  usage: string;
  valid(sub: string | undefined, arg: string | undefined, v: Values): boolean;
  run(config: Config, sub: string | undefined, arg: string | undefined, v: Values): Promise<number>;
}
interface Helpers {
  withSql<T>(config: Config, fn: (sql: postgres.Sql) => Promise<T>): Promise<T>;
  me(): string;
}

export const PAY_OPTIONS = {
  to: { type: 'string' },
  format: { type: 'string' },
  bundle: { type: 'string' },
  out: { type: 'string' },
  month: { type: 'string' },
  amount: { type: 'string' },
  note: { type: 'string' },
  answer: { type: 'string' },
  accept: { type: 'boolean' },
  reject: { type: 'boolean' },
} as const;

export const PAY_HELP = `  month close <YYYY-MM>                  close a month: one immutable statement per operator (after the month end + pay.settleDelayS)
  statement verify <YYYY-MM>             recompute a closed month's statements from their stored evidence; exit 1 on any differing byte
  statement verify --bundle FILE         the same, offline, from an exported evidence bundle (no database)
  statement export-evidence <YYYY-MM> [--out FILE]
                                         write a closed month's evidence bundle (JSON; stdout without --out)
  statement show <YYYY-MM> --operator O [--format json|markdown]
                                         one operator's statement (canonical JSON bytes as stored, or Markdown)
  statement csv <YYYY-MM>                every line item of a closed month, for finance
  pay estimate <operator> [--month M]    the live estimate of a month (default the current one)
  pay estimate --partner P [--month M]   a partner's commission so far, projected to the month's end
  tier-proposals --month YYYY-MM         promotions and termination risks the pay policy proposes as of a month (an admin decides)
  ownership transfer <node> --to OP|none [--at T] [--reason R]
                                         hand a node to another operator (or nobody) as of T (default now)
  ownership show <node>                  a node's transfers
  tasks import <file.csv|file.json>      import task counts (source_id,operator,month,assigned,completed)
  adjustment add <operator> --amount CENTS --reason CODE --note N [--month M]
                                         pay (or take back) an amount in an open month
  dispute list [--operator O | --partner P] [--status S]
  dispute answer <id> --accept --amount CENTS --answer TEXT | --reject --answer TEXT`;

const MONTH = /^\d{4}-\d{2}$/;
const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);
const print = (v: unknown) => console.log(JSON.stringify(v, null, 2));

export function payCommands(h: Helpers): Record<string, PayCommand> {
  /** The pay service on a small pool, its policy checked against the closed months. */
  const withPay = <T>(config: Config, fn: (pay: import('./service.ts').PayService) => Promise<T>) =>
    h.withSql(config, async (sql) => {
      const { PayService } = await import('./service.ts');
      const pay = new PayService(sql, config.pay, Date.now);
      await pay.ready();
      return fn(pay);
    });

  return {
    month: {
      usage: 'month close <YYYY-MM>',
      valid: (sub, arg) => sub === 'close' && MONTH.test(arg ?? ''),
      run: (config, _sub, arg) =>
        withPay(config, async (pay) => {
          const r = await pay.close(arg!, h.me());
          console.log(
            r.changed
              ? `closed ${r.month}: ${r.statements} statement(s), total ${r.totalCents}¢ (policy ${r.policy.id} ${r.policy.version})`
              : `${r.month} was closed already (${r.closedAt} by ${r.closedBy}): ${r.statements} statement(s), nothing changed`,
          );
          return 0;
        }),
    },
    statement: {
      usage:
        'statement verify <YYYY-MM> | statement verify --bundle FILE | statement export-evidence <YYYY-MM> [--out FILE] | statement show <YYYY-MM> --operator O | statement csv <YYYY-MM>',
      valid: (sub, arg, v) =>
        (sub === 'verify' && (MONTH.test(arg ?? '') || (!arg && !!str(v.bundle)))) ||
        (['export-evidence', 'csv'].includes(sub ?? '') && MONTH.test(arg ?? '')) ||
        (sub === 'show' && MONTH.test(arg ?? '') && !!str(v.operator)),
      run: async (config, sub, arg, v) => {
        if (sub === 'verify') {
          const bundle = str(v.bundle);
          let r: import('./bundle.ts').MonthVerification;
          if (bundle) {
            const [{ readFileSync }, { verifyBundle }] = await Promise.all([import('node:fs'), import('./bundle.ts')]);
            r = verifyBundle(JSON.parse(readFileSync(bundle, 'utf8')));
          } else r = await withPay(config, (pay) => pay.verify(arg!));
          if (r.ok)
            console.log(`${r.month}: all ${r.statements} statement(s) recomputed byte for byte; no evidence changed since the close`);
          else if (r.failed.length) {
            console.log(`${r.month}: ${r.failed.length} of ${r.statements} statement(s) differ`);
            print(r.failed);
          } else console.log(`${r.month}: all ${r.statements} statement(s) recomputed byte for byte`);
          for (const ch of r.changedSinceClose ?? []) {
            console.log(
              `${r.month}: ${ch.operator} ${ch.node}: evidence changed since the close (sha256 ${ch.storedDigest?.slice(0, 12) ?? 'none'} stored, ${ch.currentDigest?.slice(0, 12) ?? 'none'} now)`,
            );
            for (const d of ch.differences)
              console.log(`  ${d.path}: stored ${JSON.stringify(d.stored)}, now ${JSON.stringify(d.recomputed)}`);
          }
          return r.ok ? 0 : 1;
        }
        return withPay(config, async (pay) => {
          if (sub === 'export-evidence') {
            const text = `${JSON.stringify(await pay.exportBundle(arg!), null, 1)}\n`;
            const out = str(v.out);
            if (out) {
              (await import('node:fs')).writeFileSync(out, text);
              console.log(`wrote ${out}`);
            } else process.stdout.write(text);
          } else if (sub === 'csv') process.stdout.write(await pay.monthCsv(arg!));
          else if (str(v.format) === 'markdown') process.stdout.write(await pay.statementMarkdown(arg!, str(v.operator)!));
          else console.log((await pay.statement(arg!, str(v.operator)!)).canonical);
          return 0;
        });
      },
    },
    pay: {
      usage: 'pay estimate <operator> [--month M] | pay estimate --partner P [--month M]',
      valid: (sub, arg, v) => sub === 'estimate' && !!arg !== !!str(v.partner),
      run: (config, _sub, arg, v) =>
        withPay(config, async (pay) => {
          const partner = str(v.partner);
          const e = partner ? await pay.partnerEstimate(partner, str(v.month)) : await pay.estimate(arg!, str(v.month));
          console.log(
            `${partner ?? arg} ${e.statement.month}${e.final ? ' (final)' : ` (projected to the month's end as of ${new Date(e.asOf).toISOString()})`}: ${e.statement.totalCents}¢`,
          );
          for (const l of e.statement.lines) console.log(`  ${l.code.padEnd(20)} ${String(l.amountCents).padStart(10)}¢  ${l.formula}`);
          return 0;
        }),
    },
    'tier-proposals': {
      usage: 'tier-proposals --month YYYY-MM',
      valid: (sub, _arg, v) => sub === undefined && MONTH.test(str(v.month) ?? ''),
      run: (config, _sub, _arg, v) =>
        withPay(config, async (pay) => {
          const r = await pay.tierProposals(str(v.month)!);
          const lines = r.operators.flatMap((o) =>
            o.proposals.map((p) => `${o.operator} (${o.tier}): ${p.type === 'promotion' ? `promotion to ${p.to}` : p.type}: ${p.detail}`),
          );
          console.log(lines.length ? lines.join('\n') : `no proposals as of ${r.month} (policy ${r.policy.id} ${r.policy.version})`);
          return 0;
        }),
    },
    ownership: {
      usage: 'ownership transfer <node> --to OP|none [--at T] [--reason R] | ownership show <node>',
      valid: (sub, arg, v) => (sub === 'transfer' && !!arg && !!str(v.to)) || (sub === 'show' && !!arg),
      run: (config, sub, arg, v) =>
        withPay(config, async (pay) => {
          const { parseRef } = await import('../refs.ts');
          const ref = parseRef(arg!, 'node');
          let r: Awaited<ReturnType<typeof pay.transfers>>;
          if (sub === 'show') r = await pay.transfers(ref);
          else {
            const at = str(v.at) ? Date.parse(str(v.at)!) : undefined;
            if (at !== undefined && !Number.isFinite(at))
              throw Object.assign(new Error(`--at is not a time: ${str(v.at)}`), { code: 'FLEET_BAD_REQUEST' });
            const to = str(v.to)!;
            r = await pay.transfer(ref, {
              to: to === 'none' ? null : to,
              ...(at === undefined ? {} : { at }),
              reason: str(v.reason) ?? 'transferred by CLI',
              by: h.me(),
            });
          }
          for (const t of r.transfers) console.log(`${t.at}  ${(t.operator ?? '(nobody)').padEnd(24)} ${t.by}: ${t.reason}`);
          return 0;
        }),
    },
    tasks: {
      usage: 'tasks import <file.csv|file.json>',
      valid: (sub, arg) => sub === 'import' && !!arg,
      run: async (config, _sub, file) => {
        const [{ readFileSync }, t] = await Promise.all([import('node:fs'), import('./tasks.ts')]);
        const text = readFileSync(file!, 'utf8');
        const rows = t.parseTaskImport(/\.json$/i.test(file!) ? JSON.parse(text) : text);
        const r = await withPay(config, (pay) => pay.importTasks(rows, h.me()));
        console.log(
          `imported ${r.imported.length} row(s)${r.unchanged.length ? `; ${r.unchanged.length} imported before, unchanged` : ''}`,
        );
        return 0;
      },
    },
    adjustment: {
      usage: 'adjustment add <operator> --amount CENTS --reason CODE --note N [--month M]',
      valid: (sub, arg, v) => sub === 'add' && !!arg && /^-?\d+$/.test(str(v.amount) ?? '') && !!str(v.reason) && !!str(v.note),
      run: (config, _sub, arg, v) =>
        withPay(config, async (pay) => {
          const month = str(v.month);
          const r = await pay.adjust({
            subjectKind: 'operator',
            subjectId: arg!,
            amountCents: Number(str(v.amount)),
            reason: str(v.reason)!,
            note: str(v.note)!,
            by: h.me(),
            ...(month ? { month } : {}),
          });
          console.log(`adjustment ${r.id}: ${str(v.amount)}¢ to ${arg} in ${r.month}`);
          return 0;
        }),
    },
    dispute: {
      usage:
        'dispute list [--operator O | --partner P] [--status S] | dispute answer <id> --accept --amount CENTS --answer TEXT | --reject --answer TEXT',
      valid: (sub, arg, v) =>
        sub === 'list' ||
        (sub === 'answer' &&
          /^\d+$/.test(arg ?? '') &&
          !!str(v.answer) &&
          (v.reject === true || (v.accept === true && /^-?\d+$/.test(str(v.amount) ?? '')))),
      run: (config, sub, arg, v) =>
        withPay(config, async (pay) => {
          if (sub === 'list') {
            const list = await pay.disputes({
              ...(str(v.operator) ? { operator: str(v.operator)! } : {}),
              ...(str(v.partner) ? { partner: str(v.partner)! } : {}),
              ...(str(v.status) ? { status: str(v.status)! } : {}),
            });
            for (const d of list)
              console.log(
                `${String(d.id).padStart(6)}  ${d.month} ${d.subject.kind} ${d.subject.id} line ${d.line.index} (${d.line.code})  ${d.status}  ${d.message}${d.answer ? `  → ${d.answer}` : ''}`,
              );
            return 0;
          }
          const d = await pay.answer(Number(arg), {
            accept: v.accept === true,
            answer: str(v.answer)!,
            ...(v.accept === true ? { amountCents: Number(str(v.amount)) } : {}),
            by: h.me(),
          });
          console.log(`dispute ${d.id} ${d.status}${d.adjustmentId ? ` (adjustment ${d.adjustmentId})` : ''}`);
          return 0;
        }),
    },
  };
}
