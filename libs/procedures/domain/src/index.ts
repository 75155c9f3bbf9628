/**
 * The procedures context's pure business logic: a procedure case (draft, prefill on a preview,
 * submission, back-office steps, decision) and a person's personal space, as deciders. No I/O:
 * time, ids and fetched values come in with the commands.
 *
 * @packageDocumentation
 */
export { PREFILL_ORGANISATION, caseDecider, concernsCase } from './lib/case';
export type {
  CaseCommand,
  CorrectionNotice,
  CorrectionNoticeState,
  CaseEvent,
  CaseState,
  CaseStatus,
  ConsentRequestState,
  DecisionOutcome,
  PrefillSource,
  PrefilledField,
  PreviewState,
  PreviewedSource,
} from './lib/case';
export { PERSONAL_ITEMS, personalSpaceDecider } from './lib/personal-space';
export type {
  PersonalItem,
  PersonalSpaceCommand,
  PersonalSpaceEvent,
  PersonalSpaceState,
} from './lib/personal-space';
export { assertNever, reject } from './lib/rejection';
export type { ProceduresRejectionCode } from './lib/rejection';
