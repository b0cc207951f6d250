/**
 * One vocabulary of error codes: every FLEET_* code the collector can answer with is in the wire
 * schema's ErrorCode list and documented in the README, and every listed code is documented.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@timmy/shared';
import { Errors, FASTIFY_CODE_MAP, codeForStatus, reasonPhrase } from './errors.ts';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const apiSection = readme.slice(readme.indexOf('## The API'), readme.indexOf('\n## ', readme.indexOf('## The API') + 1));

/** Every quoted 'FLEET_…' literal in the collector's source (not its tests). */
function codesInSource(dir: string): Set<string> {
  const out = new Set<string>();
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.ts') || e.name.endsWith('.test.ts')) continue;
    for (const m of readFileSync(join(e.parentPath, e.name), 'utf8').matchAll(/['"`](FLEET_[A-Z_]+)['"`]/g)) out.add(m[1]!);
  }
  return out;
}

describe('error codes', () => {
  const emitted = new Set<string>([
    ...Object.values(Errors).map((E) => new (E as new (...a: string[]) => { code: string })('x').code),
    ...Object.values(FASTIFY_CODE_MAP).map((m) => m.code),
    ...[400, 401, 403, 404, 405, 409, 413, 414, 415, 422, 429, 500, 502, 503].map(codeForStatus),
    ...codesInSource(join(root, 'collector', 'src')),
  ]);

  it('finds the codes it checks', () => {
    expect(emitted.size).toBeGreaterThan(10);
  });

  it.each([...emitted].sort())('%s is in the shared ErrorCode list', (code) => {
    expect(ERROR_CODES).toContain(code);
  });

  it.each([...ERROR_CODES])("%s is documented in the README's API section", (code) => {
    expect(apiSection).toContain(`\`${code}\``);
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
