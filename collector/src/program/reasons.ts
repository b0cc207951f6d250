/**
 * The fixed lists of reasons a person picks from when an application is turned down or an operator is
 * terminated. Free text goes in the transition's `reason`; these codes are what reports count.
 */
import type { Static } from '@sinclair/typebox';
import { literals } from './schema.ts';

export const REJECTION_REASONS = [
  /** Required parts of the application missing or unusable. */
  'incomplete_application',
  /** Too little Linux administration or operations experience for the role. */
  'insufficient_experience',
  /** The server offered is below the minimum (2 vCPU, 4 GB RAM, 50 GB SSD) or unsuitable. */
  'hardware_below_minimum',
  /** The technical interview or screening call was not passed. */
  'technical_interview_failed',
  /** The audit of the applicant's hardware and network was not passed. */
  'infrastructure_audit_failed',
  /** The background check was not passed. */
  'background_check_failed',
  /** The applicant stopped answering. */
  'unresponsive',
  /** The training was not completed. */
  'training_incomplete',
  /** The certification exam was failed. */
  'exam_failed',
  /** Uptime during probation stayed below the target. */
  'probation_uptime_below_target',
  /** Information in the application turned out to be false. */
  'false_information',
  /** The applicant withdrew. */
  'withdrawn_by_applicant',
  /** No place in the program now (region full, intake paused): they may reapply. */
  'no_capacity',
] as const;
export const RejectionReason = literals(REJECTION_REASONS);
export type RejectionReason = Static<typeof RejectionReason>;

export const TERMINATION_REASONS = [
  /** Monthly uptime below the termination threshold for the configured run of months. */
  'uptime_below_threshold',
  /** A security breach on the operator's nodes. */
  'security_breach',
  /** A credential of the fleet exposed (published, shared, leaked). */
  'credential_exposure',
  /** User data taken off the node, or another breach of the sovereignty principles. */
  'sovereignty_violation',
  /** Unreachable for more than 72 hours without notice. */
  'unresponsive',
  /** Information given to the program turned out to be false. */
  'false_information',
] as const;
export const TerminationReason = literals(TERMINATION_REASONS);
export type TerminationReason = Static<typeof TerminationReason>;
