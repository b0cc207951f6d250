/** Partners and referrals: an admin adds partners and records referrals; a partner reads their own record and referred operators. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Text } from '@timmy/shared';
import { ACCESS, actorOf } from '../auth/access.ts';
import type { PartnerRow } from '../stores/partners.ts';

const err = { $ref: 'ErrorReply#' };
const PartnerView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  referralCode: Type.String(),
  referrals: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
});
const view = (p: PartnerRow) => ({ ...p, createdAt: p.createdAt.toISOString() });

export default async function partnerRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services, clock } = app.deps;
  const program = services.program.operators;
  const tags = ['program'];
  const security = [{ adminToken: [] }];

  app.post(
    '/v1/admin/partners',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags,
        summary: 'Add a partner with the referral code applicants type.',
        security,
        body: Type.Object(
          {
            name: Text({ minLength: 1, maxLength: 128 }),
            referralCode: Type.String({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_-]+$' }),
          },
          { additionalProperties: false },
        ),
        response: { 201: PartnerView, 409: err },
      },
    },
    async (req, reply) => reply.status(201).send(view(await program.addPartner(req.body, actorOf(req), clock()))),
  );

  app.get(
    '/v1/partners',
    {
      config: { access: ACCESS.staff },
      schema: { tags, summary: 'Every partner with their number of referrals.', response: { 200: Type.Array(PartnerView) } },
    },
    async () => (await program.partners()).map(view),
  );

  app.get(
    '/v1/partners/:partner',
    {
      config: { access: ACCESS.ownPartner },
      schema: {
        tags,
        summary: 'A partner and the operators they referred (state, tier, region, when): what commission is computed from.',
        params: Type.Object({ partner: Type.String({ minLength: 1, maxLength: 128 }) }),
        response: {
          200: Type.Object({
            partner: PartnerView,
            referrals: Type.Array(
              Type.Object({
                operator: Type.String(),
                state: Type.String(),
                tier: Type.String(),
                region: Type.Union([Type.String(), Type.Null()]),
                referredAt: Type.String({ format: 'date-time' }),
              }),
            ),
          }),
          404: err,
        },
      },
    },
    async (req) => {
      const r = await program.partner(req.params.partner);
      return { partner: view(r.partner), referrals: r.referrals.map((x) => ({ ...x, referredAt: x.referredAt.toISOString() })) };
    },
  );

  app.post(
    '/v1/admin/referrals',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags,
        summary: 'Record that a partner referred an operator (one partner per operator; an application with a code records it itself).',
        security,
        body: Type.Object(
          {
            partner: Text({ minLength: 1, maxLength: 128 }),
            operator: Text({ minLength: 1, maxLength: 128 }),
            referredAt: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ partner: Type.String(), operator: Type.String() }), 404: err, 409: err },
      },
    },
    async (req, reply) => {
      const at = req.body.referredAt ? Date.parse(req.body.referredAt) : clock();
      await program.refer(req.body.partner, req.body.operator, at, actorOf(req));
      return reply.status(201).send({ partner: req.body.partner, operator: req.body.operator });
    },
  );
}
