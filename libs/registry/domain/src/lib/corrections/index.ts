/** Correction requests on any register's records; see `correction.decider.ts` for the design. */
export { CORRECTION_LIMITS } from './correction';
export type {
  CorrectionStatus,
  CorrectionTarget,
  CorrectionTargetInput,
  Registrar,
} from './correction';
export type {
  AcceptCorrection,
  CorrectionCommand,
  RejectCorrection,
  RequestCorrection,
} from './correction.commands';
export {
  correctionDecider,
  decideCorrection,
  evolveCorrection,
  initialCorrectionState,
} from './correction.decider';
export type { CorrectionRequest, CorrectionState } from './correction.decider';
export type {
  CorrectionAccepted,
  CorrectionEvent,
  CorrectionRejected,
  CorrectionRequested,
} from './correction.events';
export { correctRecordCommand } from './correction.policy';
