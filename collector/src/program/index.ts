/** The operator program's pure cores: what services, routes and the CLI wire to. Nothing here does I/O or reads a clock. */
export { ProgramProblem, ProgramInputError, textProblem, textProblems, problemChecker } from './problems.ts';
export { PERSON_ROLES, PersonRole, ROLES, Role, STAFF_ROLES } from './roles.ts';
export { REJECTION_REASONS, RejectionReason, TERMINATION_REASONS, TerminationReason } from './reasons.ts';
export {
  LIFECYCLE_STATES,
  LifecycleState,
  SERVING_STATES,
  ServingState,
  PIPELINE_STATES,
  OperatorStatus,
  LifecycleEvent,
  TransitionMeta,
  TransitionRecord,
  DEFAULT_LIFECYCLE_RULES,
  transition,
  allowedEvents,
  statusFromHistory,
  type LifecycleEventType,
  type LifecycleRules,
  type TransitionResult,
} from './lifecycle.ts';
export {
  OperatorApplication,
  Reference,
  SKILLS,
  SUPPORT_HOURS,
  DEFAULT_SERVER_MINIMUM,
  PREFERRED_OS,
  applicationProblems,
  applicationNotes,
  type ServerMinimum,
} from './application.ts';
export { funnel, type Funnel, type FunnelStage } from './funnel.ts';
export {
  TOKEN_PREFIX,
  TOKEN_PATTERN,
  DEFAULT_TOKEN_TTL_DAYS,
  StoredToken,
  issueToken,
  parseToken,
  hashToken,
  hashesEqual,
  tokenStatus,
  authenticate,
  checksumOf,
  type IssueInput,
  type ParsedToken,
  type TokenStatus,
  type Authentication,
} from './tokens.ts';
export {
  AccessScope,
  AccessDeclaration,
  ANONYMOUS,
  decide,
  visibleTo,
  declarationGaps,
  declarationProblems,
  openApiRoutes,
  routeKey,
  type Principal,
  type ResourceOwner,
  type Decision,
  type RouteRef,
} from './access.ts';
export {
  Transfer,
  NodeOwnership,
  OwnershipSpan,
  transferProblems,
  ownerAt,
  ownershipSpans,
  withinActivePeriod,
  nodeEvidence,
  type OperatorOwnership,
} from './ownership.ts';
export {
  DEFAULT_COVERAGE_RULES,
  regionCoverage,
  regionsAtRisk,
  type CoverageRules,
  type OperatorInRegion,
  type RegionCoverage,
} from './coverage.ts';
