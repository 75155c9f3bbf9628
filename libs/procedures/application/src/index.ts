/**
 * The procedures service's application layer: the catalogue of procedure definitions, the use
 * cases (drafts, prefill on a preview, submission, back office, decision letter, personal
 * space, dashboard and timeline), the event codecs over gov.procedures.v1, the read models
 * (TypeORM, schema `procedures_app`) and their projection, the decision-letter reactor, the
 * registry's correction notices recorded on the cases they concern, the registry's erasures
 * obeyed, and the ports to the registry, consent and letterbox services. Personal values are
 * sealed under the person's key (`@gov/platform-data-protection`).
 *
 * @packageDocumentation
 */
export {
  DEFAULT_CATALOGUE_DIR,
  InvalidProcedureCatalogueError,
  ProcedureCatalogue,
  ProcedureDefinitionSchema,
} from './lib/catalogue';
export type { ProcedureDefinition, SourceFields } from './lib/catalogue';
export { CaseService } from './lib/case.service';
export type {
  CaseServiceOptions,
  CaseSummary,
  CorrectionNoticeView,
  CaseView,
  CaseWritten,
  PreviewView,
  TimelineStep,
} from './lib/case.service';
export {
  MalformedProceduresPayloadError,
  PAYLOAD_SCHEMA_VERSION,
  PROCEDURES_EVENT_TYPES,
  SEALED_PAYLOAD_SCHEMA_VERSION,
  WITHOUT_PERSONAL_DATA,
  caseCodec,
  caseCodecFor,
  decodePersonalDataErased,
  encodePersonalDataErased,
  isErasedIn,
  personalSpaceCodec,
  personalSpaceCodecWith,
} from './lib/codecs';
export type { PersonalDataAccess, PersonalDataErasure } from './lib/codecs';
export { obeyPersonErasure } from './lib/person-erasure';
export type { ErasureOutcome } from './lib/person-erasure';
export { PROCEDURES_ACTOR, systemClock } from './lib/context';
export { InvalidCorrectionNoticeError, decodeCorrectionNotice } from './lib/correction-notice';
export type { ReceivedCorrectionNotice } from './lib/correction-notice';
export type { Clock, RequestContext } from './lib/context';
export { textPdf } from './lib/decision-letter';
export { PROCEDURES_REJECTION_STATUSES } from './lib/errors';
export { DecisionLetterReactor } from './lib/letter.reactor';
export { PersonalSpaceService } from './lib/personal-space.service';
export type { PersonalSpaceView } from './lib/personal-space.service';
export { PgProceduresStore } from './lib/pg-procedures-store';
export type {
  ConsentArtefact,
  ConsentLookup,
  Letter,
  Letterbox,
  PrefillPreferences,
  RegistryReads,
  ServiceToken,
} from './lib/ports';
export {
  PROCEDURES_PROJECTION,
  proceduresProjection,
  projectProceduresEvent,
} from './lib/projection';
export {
  APPLICATION_SCHEMA,
  CaseEntity,
  CasesOpenCorrectionNotices1765200000200,
  EVENT_STORE_SCHEMA,
  PROCEDURES_ENTITIES,
  PROCEDURES_MIGRATIONS,
  PROCEDURES_SCHEMAS,
  PersonalItemEntity,
  ProceduresReadModels1765200000100,
  ReadModelsWithoutPersonalValues1765200000300,
  createProceduresDataSource,
  migrateProceduresSchemas,
} from './lib/schema';
export type { CaseRow, PersonalItemRow } from './lib/schema';
export { streamIds } from './lib/streams';
