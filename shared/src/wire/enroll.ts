/** Wire contract v1, enrollment: `timmy-fleet join` trades a single-use token for the node's own credential. */
import { Type, type Static } from '@sinclair/typebox';
import { EpochMs, Text } from './common.ts';
import { Inventory } from './report.ts';

export const EnrollRequest = Type.Object(
  {
    token: Text({ minLength: 8, maxLength: 256 }),
    hostname: Text({ minLength: 1, maxLength: 255 }),
    inventory: Type.Optional(Inventory),
  },
  { $id: 'EnrollRequest', additionalProperties: false },
);
export type EnrollRequest = Static<typeof EnrollRequest>;

export const EnrollResponse = Type.Object(
  {
    nodeId: Type.String(),
    credential: Type.String({ minLength: 16, description: 'the node credential: store it with mode 0600' }),
    expiresAt: EpochMs,
  },
  { $id: 'EnrollResponse', additionalProperties: false },
);
export type EnrollResponse = Static<typeof EnrollResponse>;
