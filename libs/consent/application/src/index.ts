/**
 * The consent service's application layer: the use cases (consents, decisions, prefill
 * preferences), the event codecs over gov.consent.v1, the read models (TypeORM, schema
 * `consent_app`) and their projection, the expiry reactor, and signed receipts.
 *
 * @packageDocumentation
 */
export {
  CONSENT_EVENT_TYPES,
  MalformedConsentPayloadError,
  PAYLOAD_SCHEMA_VERSION,
  consentCodec,
  decodePermit,
  decodeSubjectErasure,
  encodePermit,
  encodeSubjectErasure,
  prefillCodec,
} from './lib/codecs';
export type { PermitRecord, SubjectErasure } from './lib/codecs';
export { CONSENT_ACTOR, systemClock } from './lib/context';
export type { Clock, RequestContext } from './lib/context';
export { PgConsentReads } from './lib/consent-reads';
export type { CandidateQuery, ConsentFilter } from './lib/consent-reads';
export { ConsentService, permitView, statusAt } from './lib/consent.service';
export type {
  ConsentExport,
  ConsentServiceOptions,
  ConsentStore,
  ConsentView,
  ConsentWritten,
  GrantInput,
  HistoryEntry,
  PermitView,
  ReceiptView,
} from './lib/consent.service';
export { DecisionService } from './lib/decision.service';
export type { Decision, DecisionRequest, DenyReason } from './lib/decision.service';
export { ErasureService } from './lib/erasure.service';
export type { ErasureOrder, ErasureOutcome } from './lib/erasure.service';
export { CONSENT_REJECTION_STATUSES, toApplicationError } from './lib/errors';
export { ExpiryReactor } from './lib/expiry.reactor';
export { PgConsentStore } from './lib/pg-consent-store';
export { PrefillService } from './lib/prefill.service';
export type { PrefillAnswerView, PrefillPreferenceView } from './lib/prefill.service';
export { CONSENTS_PROJECTION, consentsProjection, projectConsentEvent } from './lib/projection';
export {
  RECEIPT_KEY_FILE,
  RECEIPT_TYPE,
  ReceiptSigner,
  consentReceipt,
  loadReceiptSigner,
} from './lib/receipts';
export type {
  ConsentReceipt,
  Jwks,
  ReceiptEventType,
  ReceiptFacts,
  ReceiptKeySource,
} from './lib/receipts';
export {
  APPLICATION_SCHEMA,
  CONSENT_ENTITIES,
  CONSENT_MIGRATIONS,
  CONSENT_SCHEMAS,
  ConsentEntity,
  ConsentErasures1765100000200,
  ConsentReadModels1765100000100,
  EVENT_STORE_SCHEMA,
  PrefillPreferenceEntity,
  createConsentDataSource,
  migrateConsentSchemas,
} from './lib/schema';
export type { ConsentRow, PrefillPreferenceRow, RecordedConsentStatus } from './lib/schema';
export { consentIdOf, streamIds } from './lib/streams';
