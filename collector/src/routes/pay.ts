/** The live estimate of an open month (an operator's pay, a partner's commission), adjustments, and disputes of statement lines. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Text } from '@timmy/shared';
import { Statement } from '../pay/index.ts';
import { parseId } from '../refs.ts';
import { ACCESS } from '../auth/access.ts';
import { Month, PAY_ACCESS, actor } from './months.ts';

const err = { $ref: 'ErrorReply#' };
const Dispute = Type.Object({
  id: Type.Integer(),
  month: Type.String(),
  subject: Type.Object({ kind: Type.String(), id: Type.String() }),
  line: Type.Object({ index: Type.Integer(), code: Type.String() }),
  message: Type.String(),
  openedBy: Type.String(),
  openedAt: Type.String({ format: 'date-time' }),
  status: Type.String({ description: 'open | accepted | rejected' }),
  answer: Type.Union([Type.String(), Type.Null()]),
  answeredBy: Type.Union([Type.String(), Type.Null()]),
  answeredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  adjustmentId: Type.Union([Type.Integer(), Type.Null()], { description: 'the adjustment an accepted dispute made' }),
});

const EstimateView = Type.Object({ asOf: Type.Integer(), final: Type.Boolean(), evidenceSoFarDigest: Type.String(), statement: Statement });
const DisputeBody = Type.Object(
  { line: Type.Integer({ minimum: 0, maximum: 10_000 }), message: Text({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);
const DisputeStatus = Type.Union([Type.Literal('open'), Type.Literal('accepted'), Type.Literal('rejected')]);
const PartnerParam = { partner: Type.String({ minLength: 1, maxLength: 128 }) };

export default async function payRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const pay = app.deps.services.pay;

  app.get(
    '/v1/operators/:op/pay/estimate',
    {
      config: { access: PAY_ACCESS.own },
      schema: {
        tags: ['pay'],
        summary:
          "An operator's pay for a month (default the current one) so far, projected to the month's end: the statement's own code path on the evidence so far (each ownership span's rest split between UP and DOWN as so far). A finished month's estimate is its statement.",
        params: Type.Object({ op: Type.String({ minLength: 1, maxLength: 128 }) }),
        querystring: Type.Object({ month: Type.Optional(Month) }, { additionalProperties: false }),
        response: {
          200: EstimateView,
          400: err,
          401: err,
          404: err,
          422: err,
        },
      },
    },
    async (req) => pay.estimate(req.params.op, req.query.month),
  );

  app.post(
    '/v1/admin/adjustments',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['admin', 'pay'],
        summary:
          'An adjustment (a correction decided by a person): an amount in cents with a reason code and a note, paid in an open month (default the current one; a closed month: FLEET_MONTH_CLOSED), optionally naming the month and line it corrects.',
        security: [{ adminToken: [] }],
        body: Type.Object(
          {
            operator: Text({ minLength: 1, maxLength: 128 }),
            month: Type.Optional(Month),
            amountCents: Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 }),
            reason: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
            note: Text({ minLength: 1, maxLength: 500 }),
            corrects: Type.Optional(
              Type.Object(
                { month: Month, code: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' })) },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ id: Type.Integer(), month: Type.String() }), 400: err, 401: err, 404: err, 409: err },
      },
    },
    async (req) => {
      const b = req.body;
      return pay.adjust({
        subjectKind: 'operator',
        subjectId: b.operator,
        ...(b.month ? { month: b.month } : {}),
        amountCents: b.amountCents,
        reason: b.reason,
        note: b.note,
        by: actor(req),
        ...(b.corrects ? { corrects: b.corrects } : {}),
      });
    },
  );

  app.post(
    '/v1/operators/:op/statements/:month/disputes',
    {
      config: { access: { roles: ['admin', 'operator'], scope: 'own-operator' } },
      schema: {
        tags: ['pay'],
        summary:
          'Dispute one line of a closed statement (its index in `lines`) with a message, within `pay.disputeDays` (14) of the close (later: FLEET_DISPUTE_WINDOW_OVER).',
        params: Type.Object({ op: Type.String({ minLength: 1, maxLength: 128 }), month: Month }),
        body: DisputeBody,
        response: { 200: Dispute, 400: err, 401: err, 404: err, 409: err },
      },
    },
    async (req) =>
      pay.dispute({
        month: req.params.month,
        operator: req.params.op,
        lineIndex: req.body.line,
        message: req.body.message,
        by: actor(req),
      }),
  );

  app.get(
    '/v1/disputes',
    {
      config: { access: PAY_ACCESS.own },
      schema: {
        tags: ['pay'],
        summary:
          "Disputes with their answers and the adjustments they made (`?operator=` or `?partner=`, `&status=open|accepted|rejected`); an operator's token sees their own.",
        querystring: Type.Object(
          {
            operator: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            partner: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            status: Type.Optional(DisputeStatus),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(Dispute), 400: err, 401: err },
      },
    },
    async (req) => pay.disputes(req.query, req.principal.role === 'operator' ? req.principal.operatorId : undefined),
  );

  app.get(
    '/v1/partners/:partner/pay/estimate',
    {
      config: { access: ACCESS.ownPartner },
      schema: {
        tags: ['pay'],
        summary:
          "A partner's commission for a month (default the current one) so far, projected to the month's end: the partner statement's own code path on the referred operators' live estimates. A finished month's estimate is the partner's statement.",
        params: Type.Object(PartnerParam),
        querystring: Type.Object({ month: Type.Optional(Month) }, { additionalProperties: false }),
        response: { 200: EstimateView, 400: err, 401: err, 404: err, 422: err },
      },
    },
    async (req) => pay.partnerEstimate(req.params.partner, req.query.month),
  );

  app.post(
    '/v1/partners/:partner/statements/:month/disputes',
    {
      config: { access: { roles: ['admin', 'partner'], scope: 'own-partner' } },
      schema: {
        tags: ['pay'],
        summary:
          "Dispute one commission line of a partner's closed statement (its index in `lines`) with a message, within `pay.disputeDays` (14) of the close (later: FLEET_DISPUTE_WINDOW_OVER).",
        params: Type.Object({ ...PartnerParam, month: Month }),
        body: DisputeBody,
        response: { 200: Dispute, 400: err, 401: err, 404: err, 409: err },
      },
    },
    async (req) =>
      pay.dispute({
        month: req.params.month,
        partner: req.params.partner,
        lineIndex: req.body.line,
        message: req.body.message,
        by: actor(req),
      }),
  );

  app.get(
    '/v1/partners/:partner/disputes',
    {
      config: { access: ACCESS.ownPartner },
      schema: {
        tags: ['pay'],
        summary: "A partner's disputes of their commission lines, with the answers and the adjustments they made (`?status=`).",
        params: Type.Object(PartnerParam),
        querystring: Type.Object({ status: Type.Optional(DisputeStatus) }, { additionalProperties: false }),
        response: { 200: Type.Array(Dispute), 400: err, 401: err, 404: err },
      },
    },
    async (req) => pay.partnerDisputes(req.params.partner, req.query.status),
  );

  app.post(
    '/v1/admin/disputes/:id/answer',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['admin', 'pay'],
        summary:
          'Answer an open dispute: accept it with the amount to pay (or take back) as an adjustment in the open month, or reject it. Both sides see the answer.',
        security: [{ adminToken: [] }],
        params: Type.Object({ id: Type.String({ pattern: '^\\d{1,16}$' }) }),
        body: Type.Object(
          {
            accept: Type.Boolean(),
            answer: Text({ minLength: 1, maxLength: 2000 }),
            amountCents: Type.Optional(Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Dispute, 400: err, 401: err, 404: err, 409: err },
      },
    },
    async (req) =>
      pay.answer(parseId(req.params.id, 'dispute'), {
        accept: req.body.accept,
        answer: req.body.answer,
        ...(req.body.amountCents === undefined ? {} : { amountCents: req.body.amountCents }),
        by: actor(req),
      }),
  );
}
