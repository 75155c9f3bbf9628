/** Correction requests on any register's records; see `correction.decider.ts` for the design. */
export { CORRECTION_LIMITS } from './correction';
export type {
  CorrectionStatus,
  CorrectionTarget,
  CorrectionTargetInput,
  Registrar,
} from './correction';
export {
  PERSON_FIELD_READ_NAMES,
  REGISTRAR_ROLE,
  SELF_ORGANISATION,
  correctionRecipients,
} from './correction.communication';
export type { CorrectionRecipient, RecordedRead } from './correction.communication';
export type {
  AcceptCorrection,
  CommunicateCorrection,
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
export type {
  CorrectionCommunication,
  CorrectionRequest,
  CorrectionState,
} from './correction.decider';
export type {
  CorrectionAccepted,
  CorrectionCommunicated,
  CorrectionEvent,
  CorrectionRejected,
  CorrectionRequested,
} from './correction.events';
export { correctRecordCommand } from './correction.policy';
