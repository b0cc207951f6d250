/** People and their tokens: an admin adds people and issues (shown once), lists and revokes tokens; anyone with a token reads who they are. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Text } from '@timmy/shared';
import { ACCESS, actorOf } from '../auth/access.ts';
import { PERSON_ROLES } from '../program/index.ts';
import type { PersonRow } from '../stores/people.ts';
import type { TokenRow } from '../stores/tokens.ts';

const err = { $ref: 'ErrorReply#' };
const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const Role = Type.Union(PERSON_ROLES.map((r) => Type.Literal(r)));

const PersonView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(),
  operator: Type.Union([Type.String(), Type.Null()]),
  partner: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
const TokenView = Type.Object({
  id: Type.Integer(),
  person: Type.String(),
  prefix: Type.String({ description: 'the first characters of the token, to tell tokens apart' }),
  role: Type.String(),
  label: Type.Union([Type.String(), Type.Null()]),
  issuedAt: Type.String({ format: 'date-time' }),
  issuedBy: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  revokedAt: Time,
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'recorded at most once a minute' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
});

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
export const personView = (p: PersonRow) => ({
  id: p.id,
  name: p.name,
  email: p.email,
  role: p.role,
  operator: p.operatorName,
  partner: p.partnerName,
  createdAt: p.createdAt.toISOString(),
});
export const tokenView = (t: TokenRow, now: number) => ({
  id: t.id,
  person: t.personName,
  prefix: `${t.displayPrefix}…`,
  role: t.role,
  label: t.label,
  issuedAt: t.issuedAt.toISOString(),
  issuedBy: t.issuedBy,
  expiresAt: t.expiresAt.toISOString(),
  revokedAt: iso(t.revokedAt),
  lastUsedAt: iso(t.lastUsedAt),
  status:
    t.revokedAt !== null && now >= t.revokedAt.getTime()
      ? ('revoked' as const)
      : now >= t.expiresAt.getTime()
        ? ('expired' as const)
        : ('active' as const),
});

export default async function tokenRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services, clock } = app.deps;
  const people = services.program.people;
  const tags = ['access'];
  const security = [{ adminToken: [] }];

  app.post(
    '/v1/admin/people',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags,
        summary: 'Add a person with one role (an operator person names their operator, a partner person their partner).',
        security,
        body: Type.Object(
          {
            name: Text({ minLength: 1, maxLength: 128 }),
            email: Type.Optional(Text({ minLength: 3, maxLength: 254 })),
            role: Role,
            operator: Type.Optional(Text({ minLength: 1, maxLength: 128 })),
            partner: Type.Optional(Text({ minLength: 1, maxLength: 128 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: PersonView, 400: err, 404: err, 409: err },
      },
    },
    async (req, reply) => reply.status(201).send(personView(await people.add(req.body, actorOf(req), clock()))),
  );

  app.get(
    '/v1/admin/people',
    {
      config: { access: ACCESS.admin },
      schema: { tags, summary: 'Every person and their role.', security, response: { 200: Type.Array(PersonView) } },
    },
    async () => (await people.people.list()).map(personView),
  );

  app.post(
    '/v1/admin/people/:person/tokens',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags,
        summary: 'Issue a token for a person (it carries their role). The token is in this answer once and never stored: only its SHA-256.',
        security,
        params: Type.Object({ person: Type.String({ minLength: 1, maxLength: 128 }) }),
        body: Type.Object(
          {
            ttlDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 90 })),
            label: Type.Optional(Text({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ token: Type.String({ description: 'tfp_…: shown once' }), info: TokenView }), 404: err },
      },
    },
    async (req, reply) => {
      const now = clock();
      const r = await people.issueToken(req.params.person, req.body, actorOf(req), now);
      return reply.status(201).send({ token: r.token, info: tokenView(r.row, now) });
    },
  );

  app.get(
    '/v1/admin/tokens',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags,
        summary: 'Tokens (never the tokens themselves): prefix, role, expiry, revocation, last use.',
        security,
        querystring: Type.Object({ person: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }, { additionalProperties: false }),
        response: { 200: Type.Array(TokenView), 404: err },
      },
    },
    async (req) => {
      const now = clock();
      return (await people.listTokens(req.query.person)).map((t) => tokenView(t, now));
    },
  );

  app.post(
    '/v1/admin/tokens/:id/revoke',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags,
        summary: 'Revoke a token, effective at its next request. Twice is a no-op.',
        security,
        params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,9}$' }) }),
        response: { 200: Type.Object({ token: TokenView, changed: Type.Boolean() }), 404: err },
      },
    },
    async (req) => {
      const now = clock();
      const r = await people.revokeToken(Number(req.params.id), actorOf(req), now);
      return { token: tokenView(r.row, now), changed: r.changed };
    },
  );

  app.get(
    '/v1/me',
    {
      config: { access: { roles: [...PERSON_ROLES] } },
      schema: {
        tags,
        summary: 'Who this token is: role, and the operator or partner it acts for.',
        response: {
          200: Type.Object({
            role: Type.String(),
            person: Type.Union([PersonView, Type.Null()], { description: 'null for the admin token' }),
          }),
        },
      },
    },
    async (req) => {
      const id = req.principal.personId;
      const person = id !== undefined && /^\d+$/.test(id) ? await people.people.find(id) : undefined;
      return { role: req.principal.role, person: person ? personView(person) : null };
    },
  );
}
