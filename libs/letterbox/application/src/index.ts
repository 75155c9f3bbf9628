/**
 * The letterbox's application layer: delivery (on behalf of another organisation by a delivery
 * agent), the recipient's box (a person's, and their businesses' through the registry's
 * managers, `BusinessManagers`), reads and receipts, the sender's view (`LetterService`); the event codecs over gov.letterbox.v1 (a person's subject line
 * sealed under their key); the letters read model and the content store by SHA-256 (TypeORM,
 * schema `letterbox_app`; a person's document sealed under their key); the retention reactor;
 * the registry's erasure of a person obeyed (`recordRecipientErasure`).
 *
 * @packageDocumentation
 */
export {
  LETTER_EVENT_TYPES,
  MalformedLetterPayloadError,
  PAYLOAD_SCHEMA_VERSIONS,
  decodeRecipientErased,
  encodeRecipientErased,
  letterCodec,
  letterCodecWith,
  openSubject,
  recipientErasureStreamId,
  sealedSubjectOf,
} from './lib/codecs';
export type { RecipientErasure, SealedSubject } from './lib/codecs';
export { recordRecipientErasure } from './lib/erasure';
export {
  ContentIntegrityError,
  ContentMissingError,
  contentStore,
  sha256Hex,
} from './lib/content-store';
export type { StoredDocument } from './lib/content-store';
export {
  CachedBusinessManagers,
  NO_REGISTRY,
  isRegistryUnavailable,
} from './lib/business-managers';
export type { BusinessManagers } from './lib/business-managers';
export { LETTERBOX_ACTOR, systemClock } from './lib/context';
export {
  DOCUMENTS_TOPIC,
  DOCUMENT_REMOVED_HEADER,
  DocumentRelay,
  applyReplicatedDocument,
  documentKeyOf,
  documentsDigest,
  parseDocumentKey,
} from './lib/documents';
export type {
  DocumentRecord,
  DocumentSink,
  DocumentsDigest,
  ReplicatedDocumentOutcome,
} from './lib/documents';
export type { Clock, RequestContext } from './lib/context';
export { LETTERBOX_REJECTION_STATUSES, toApplicationError } from './lib/errors';
export { LetterService, letterStreamId, letterView } from './lib/letter.service';
export type {
  DeliverInput,
  Delivered,
  LetterBox,
  LetterContent,
  LetterFilter,
  LetterServiceOptions,
  LetterView,
} from './lib/letter.service';
export { PgLetterStore } from './lib/pg-letter-store';
export type { LetterTransaction } from './lib/pg-letter-store';
export { LETTERS_PROJECTION, lettersProjection, projectLetterEvent } from './lib/projection';
export { RetentionReactor } from './lib/retention.reactor';
export {
  APPLICATION_SCHEMA,
  CLEAR_CONTENT_KEY_ID,
  ContentEntity,
  DeliveredBy1765300000300,
  DocumentOutbox1765300000200,
  EVENT_STORE_SCHEMA,
  LETTERBOX_ENTITIES,
  LETTERBOX_MIGRATIONS,
  LETTERBOX_SCHEMAS,
  LetterEntity,
  LetterTables1765300000100,
  SealedLetters1765300000400,
  createLetterboxDataSource,
  migrateLetterboxSchemas,
} from './lib/schema';
export type { ContentRow, LetterRow } from './lib/schema';
