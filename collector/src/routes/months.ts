/** Closing a month, verifying it, and exporting its evidence for anyone to re-check. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessDeclaration } from '../program/index.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ACCESS } from '../auth/access.ts';

const err = { $ref: 'ErrorReply#' };
export const Month = Type.String({ pattern: '^\\d{4}-\\d{2}$', description: 'YYYY-MM (UTC)' });
export const MonthParam = Type.Object({ month: Month });

/** Who reads pay: every operator's statements are for admins and finance; an operator reads their own. */
export const PAY_ACCESS = {
  all: { roles: ['admin', 'finance'] },
  own: { roles: ['admin', 'finance', 'operator'], scope: 'own-operator' },
} as const satisfies Record<string, AccessDeclaration>;

/** Who did it, as recorded with a change: the person behind the token. */
export const actor = (req: FastifyRequest): string => req.principal.personId ?? req.principal.role;

const Verification = Type.Object({
  month: Type.String(),
  ok: Type.Boolean(),
  statements: Type.Integer(),
  failed: Type.Array(
    Type.Object({
      subjectKind: Type.String(),
      subjectId: Type.String(),
      ok: Type.Boolean(),
      statementDigestOk: Type.Boolean(),
      evidenceDigestOk: Type.Boolean(),
      firstDifferentByte: Type.Union([Type.Integer(), Type.Null()]),
      differences: Type.Array(Type.Object({ path: Type.String(), stored: Type.Unknown(), recomputed: Type.Unknown() })),
      error: Type.Optional(Type.String()),
    }),
  ),
  changedSinceClose: Type.Optional(
    Type.Array(
      Type.Object({
        operator: Type.String(),
        node: Type.String(),
        storedDigest: Type.Union([Type.String(), Type.Null()]),
        currentDigest: Type.Union([Type.String(), Type.Null()]),
        differences: Type.Array(Type.Object({ path: Type.String(), stored: Type.Unknown(), recomputed: Type.Unknown() })),
      }),
      { description: 'nodes whose evidence, read again from the database as of the close, differs from what the close stored' },
    ),
  ),
});

export default async function monthRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const pay = app.deps.services.pay;

  app.post(
    '/v1/admin/months/:month/close',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['admin', 'pay'],
        summary:
          'Close a month: one immutable statement per operator, with the policy version, the engine version and the digest of the evidence read. Refused before the month end plus the settling delay (FLEET_MONTH_NOT_SETTLED); closing a closed month changes nothing (`changed: false`).',
        security: [{ adminToken: [] }],
        params: MonthParam,
        response: {
          200: Type.Object({
            month: Type.String(),
            changed: Type.Boolean(),
            closedAt: Type.String({ format: 'date-time' }),
            closedBy: Type.String(),
            policy: Type.Object({ id: Type.String(), version: Type.String() }),
            statements: Type.Integer(),
            totalCents: Type.Integer(),
          }),
          400: err,
          401: err,
          409: err,
          422: err,
        },
      },
    },
    async (req) => pay.close(req.params.month, actor(req)),
  );

  app.get(
    '/v1/months/:month/verify',
    {
      config: { access: PAY_ACCESS.all },
      schema: {
        tags: ['pay'],
        summary:
          'Recompute every statement of a closed month from its stored evidence with the policy version it names, and compare byte for byte: each statement that differs names its first differing byte and every differing field. Then read the evidence again from the database as of the close: every node whose evidence changed since (an interval rewritten after the close) is listed in `changedSinceClose` with the fields that differ, and fails the verification.',
        params: MonthParam,
        response: { 200: Verification, 400: err, 401: err, 404: err },
      },
    },
    async (req) => pay.verify(req.params.month),
  );

  app.get(
    '/v1/admin/months/:month/evidence',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['admin', 'pay'],
        summary:
          'The evidence bundle of a closed month (every statement as stored, the evidence it was computed from, the policy versions): `timmy-collector statement verify --bundle FILE` re-checks it with no database.',
        security: [{ adminToken: [] }],
        params: MonthParam,
        response: { 400: err, 401: err, 404: err },
      },
    },
    async (req) => pay.exportBundle(req.params.month),
  );
}
