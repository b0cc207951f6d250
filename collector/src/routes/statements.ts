/**
 * Closed statements: one operator's as its canonical JSON bytes (exactly as stored, byte-stable) or as
 * Markdown for the operator; a month's as CSV for finance (one row per line item) or as a list.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ACCESS } from '../auth/access.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { MonthParam, PAY_ACCESS } from './months.ts';

const err = { $ref: 'ErrorReply#' };

const Format = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('markdown')])) },
  { additionalProperties: false },
);

export default async function statementRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const pay = app.deps.services.pay;
  /** A statement as its stored bytes (the SHA-256 of the body is the statement digest) or as Markdown. */
  const send = async (reply: FastifyReply, kind: 'operator' | 'partner', subject: string, month: string, format?: string) => {
    if (format === 'markdown') return reply.type('text/markdown; charset=utf-8').send(await pay.statementMarkdown(month, subject, kind));
    const row = await pay.statement(month, subject, kind);
    return reply.type('application/json; charset=utf-8').header('x-statement-sha256', row.statementDigest).send(row.canonical);
  };

  app.get(
    '/v1/months/:month/statements',
    {
      config: { access: PAY_ACCESS.all },
      schema: {
        tags: ['pay'],
        summary:
          'The statements of a closed month: a list with totals and digests, or `?format=csv`: every line item of every statement, one row each, for finance (RFC 4180).',
        params: MonthParam,
        querystring: Type.Object(
          { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Union([
            Type.Array(
              Type.Object({
                subjectKind: Type.String(),
                subjectId: Type.String(),
                totalCents: Type.Integer(),
                statementSha256: Type.String(),
                evidenceSha256: Type.String(),
                policy: Type.Object({ id: Type.String(), version: Type.String(), digest: Type.String() }),
                engineVersion: Type.String(),
              }),
            ),
            Type.String(),
          ]),
          400: err,
          401: err,
          404: err,
        },
      },
    },
    async (req, reply) => {
      if (req.query.format === 'csv') {
        const csv = await pay.monthCsv(req.params.month);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="statements-${req.params.month}.csv"`)
          .send(csv);
      }
      return (await pay.monthStatements(req.params.month)).map((r) => ({
        subjectKind: r.subjectKind,
        subjectId: r.subjectId,
        totalCents: r.totalCents,
        statementSha256: r.statementDigest,
        evidenceSha256: r.evidenceDigest,
        policy: { id: r.policyId, version: r.policyVersion, digest: r.policyDigest },
        engineVersion: r.engineVersion,
      }));
    },
  );

  app.get(
    '/v1/operators/:op/statements/:month',
    {
      config: { access: PAY_ACCESS.own },
      schema: {
        tags: ['pay'],
        summary:
          "One operator's statement of a closed month: its canonical JSON bytes as stored (the SHA-256 of this body is the statement digest), or `?format=markdown` for the operator.",
        params: Type.Object({ op: Type.String({ minLength: 1, maxLength: 128 }), ...MonthParam.properties }),
        querystring: Format,
        response: { 400: err, 401: err, 404: err },
      },
    },
    async (req, reply) => send(reply, 'operator', req.params.op, req.params.month, req.query.format),
  );

  app.get(
    '/v1/partners/:partner/statements/:month',
    {
      config: { access: ACCESS.ownPartner },
      schema: {
        tags: ['pay'],
        summary:
          "A partner's statement of a closed month (their referral commissions, each citing the referred operator's statement digest): canonical JSON bytes as stored, or `?format=markdown`.",
        params: Type.Object({ partner: Type.String({ minLength: 1, maxLength: 128 }), ...MonthParam.properties }),
        querystring: Format,
        response: { 400: err, 401: err, 404: err },
      },
    },
    async (req, reply) => send(reply, 'partner', req.params.partner, req.params.month, req.query.format),
  );
}
