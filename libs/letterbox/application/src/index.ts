/**
 * The letterbox's application layer: delivery, the recipient's box, reads and receipts, the
 * sender's view (`LetterService`); the event codecs over gov.letterbox.v1; the letters read
 * model and the content store by SHA-256 (TypeORM, schema `letterbox_app`); the retention
 * reactor.
 *
 * @packageDocumentation
 */
export {
  LETTER_EVENT_TYPES,
  MalformedLetterPayloadError,
  PAYLOAD_SCHEMA_VERSION,
  letterCodec,
} from './lib/codecs';
export {
  ContentIntegrityError,
  ContentMissingError,
  contentStore,
  sha256Hex,
} from './lib/content-store';
export { LETTERBOX_ACTOR, systemClock } from './lib/context';
export {
  DOCUMENTS_TOPIC,
  DOCUMENT_REMOVED_HEADER,
  DocumentRelay,
  applyReplicatedDocument,
  documentsDigest,
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
  LetterContent,
  LetterFilter,
  LetterView,
} from './lib/letter.service';
export { PgLetterStore } from './lib/pg-letter-store';
export type { LetterTransaction } from './lib/pg-letter-store';
export { LETTERS_PROJECTION, lettersProjection, projectLetterEvent } from './lib/projection';
export { RetentionReactor } from './lib/retention.reactor';
export {
  APPLICATION_SCHEMA,
  ContentEntity,
  DocumentOutbox1765300000200,
  EVENT_STORE_SCHEMA,
  LETTERBOX_ENTITIES,
  LETTERBOX_MIGRATIONS,
  LETTERBOX_SCHEMAS,
  LetterEntity,
  LetterTables1765300000100,
  createLetterboxDataSource,
  migrateLetterboxSchemas,
} from './lib/schema';
export type { ContentRow, LetterRow } from './lib/schema';
