/**
 * What the collector's error handler answers, for every kind of error it can meet: the domain's own
 * (FleetError: its code, its status, its details), Fastify's, other libraries' and plain bugs. Every
 * reply is an ErrorReply whose code is in the shared list; a reply sent with any other code is refused by
 * the response schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { ERROR_CODES, ErrorReply, FleetError } from '@timmy/shared';
import { createTestDatabase } from '../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../test/support/harness.ts';
import { ACCESS } from './auth/access.ts';
import { DataDirInUseError } from './db/embedded.ts';
import { Errors } from './errors.ts';
import { PayEvidenceError, PayPolicyError } from './pay/errors.ts';
import { ProgramInputError } from './program/problems.ts';
import { UnstorableReportError } from './services/ingest-writer.ts';
import { windowLength } from './sla/window.ts';

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
};

/** name → the error a route throws. */
const SAMPLES: Record<string, () => unknown> = {
  ...Object.fromEntries(Object.entries(Errors).map(([name, E]) => [`Errors.${name}`, () => new E('what went wrong')])),
  PayPolicyError: () => new PayPolicyError([{ path: 'versions[0].lines[2].amountCents', message: 'must be an integer' }]),
  PayEvidenceError: () => new PayEvidenceError([{ path: 'spans[1]', message: 'overlaps spans[0]' }]),
  ProgramInputError: () => new ProgramInputError('invalid application', [{ path: 'contact', code: 'missing', message: 'required' }]),
  WindowError: () => thrown(() => windowLength('forever', 90 * 86_400_000)),
  UnstorableReportError: () => new UnstorableReportError(Object.assign(new Error('invalid byte sequence'), { code: '22021' })),
};

/** Errors that are not the domain's: the handler gives each a listed code. */
const FOREIGN: [string, () => unknown, number, string][] = [
  ['a plain Error (a bug)', () => new Error('boom'), 500, 'FLEET_INTERNAL'],
  ['a thrown string', () => 'boom', 500, 'FLEET_INTERNAL'],
  [
    'an error with an unlisted code and a 4xx status',
    () => Object.assign(new Error('gone'), { code: 'ESOMETHING', statusCode: 418 }),
    418,
    'FLEET_BAD_REQUEST',
  ],
  [
    'an error with an unlisted code and a 5xx status',
    () => Object.assign(new Error('x'), { code: 'ECONNRESET', statusCode: 502 }),
    500,
    'FLEET_INTERNAL',
  ],
  [
    'a Fastify code',
    () => Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }),
    413,
    'FLEET_PAYLOAD_TOO_LARGE',
  ],
  ['a zlib error', () => Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR' }), 400, 'FLEET_BAD_REQUEST'],
  ['a 429 of the rate limiter', () => Object.assign(new Error('slow down'), { statusCode: 429 }), 429, 'FLEET_RATE_LIMITED'],
  ['an error that never reaches HTTP', () => new DataDirInUseError('in use'), 500, 'FLEET_INTERNAL'],
];

const clock = new ManualClock(Date.UTC(2026, 11, 2));
let c: Awaited<ReturnType<typeof testCollector>>;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
const all: Record<string, () => unknown> = { ...SAMPLES, ...Object.fromEntries(FOREIGN.map(([name, make]) => [name, make])) };

beforeAll(async () => {
  db = await createTestDatabase('errorreplies', { migrated: true });
  c = await testCollector(db.url, clock);
  const reply = { '4xx': { $ref: 'ErrorReply#' }, '5xx': { $ref: 'ErrorReply#' } };
  c.app.get('/test/throw/:name', { config: { access: ACCESS.everyone }, schema: { response: reply } }, async (req) => {
    throw all[(req.params as { name: string }).name]!();
  });
  // A route that answers with a code of its own, past the error handler.
  c.app.get('/test/unlisted', { config: { access: ACCESS.everyone }, schema: { response: reply } }, async (_req, res) =>
    res.status(400).send({ statusCode: 400, code: 'NOT_A_FLEET_CODE', error: 'Bad Request', message: 'x' } as never),
  );
});
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

const get = async (name: string) => {
  const res = await c.app.inject({ method: 'GET', url: `/test/throw/${encodeURIComponent(name)}` });
  const body = res.json();
  expect(Value.Check(ErrorReply, body), res.body).toBe(true);
  expect(ERROR_CODES).toContain(body.code);
  return { status: res.statusCode, body };
};

describe('the error handler', () => {
  it.each(Object.keys(SAMPLES))('answers %s with its own code, status, message and details', async (name) => {
    const e = SAMPLES[name]!() as FleetError;
    const { status, body } = await get(name);
    expect(body).toEqual({
      statusCode: e.statusCode,
      code: e.code,
      error: expect.any(String),
      message: e.message,
      ...(e.details ? { details: e.details } : {}),
    });
    expect(status).toBe(e.statusCode);
    expect(e).toBeInstanceOf(FleetError);
  });

  it.each(FOREIGN)('answers %s with a listed code', async (name, _make, status, code) => {
    const res = await get(name);
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    if (status >= 500) expect(res.body.message).toBe('internal error; see the collector log');
  });

  it('refuses a reply whose code is not in the list (the response schema)', async () => {
    const res = await c.app.inject({ method: 'GET', url: '/test/unlisted' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('NOT_A_FLEET_CODE');
  });
});
