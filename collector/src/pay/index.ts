/** The pay module's public face: what services, routes and the CLI wire to. Everything here is pure. */
export { ENGINE_VERSION, computeStatement } from './engine.ts';
export { estimateStatement, projectEvidence, type Estimate } from './estimate.ts';
export { loadPolicy, parsePolicy, policyFor, policyChangeProblems, type PayPolicy, type PolicyVersion, type PolicyLine } from './policy.ts';
export { tierProposals, MonthUptime, Proposal } from './eligibility.ts';
export {
  Adjustment,
  Evidence,
  OperatorEvidence,
  PartnerEvidence,
  NodeEvidence,
  OwnedSpan,
  TaskImport,
  IncidentEvidence,
  Referral,
} from './evidence.ts';
export { Statement, LineItem, NodeFigures } from './statement.ts';
export { evidenceProblems } from './check-evidence.ts';
export { canonicalJson, digestOf, sha256Hex } from './canonical.ts';
export { diff, verifyStatement, type Verification, type Difference } from './verify.ts';
export { statementsCsv, CSV_COLUMNS } from './render-csv.ts';
export { statementMarkdown } from './render-markdown.ts';
export { formatCents, formatUsd, roundCents } from './money.ts';
export { PayEvidenceError, PayPolicyError, type Problem } from './errors.ts';
export { lineKinds } from './kinds/registry.ts';
export { ADJUSTMENT_CODE } from './adjustment.ts';
